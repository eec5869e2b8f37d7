"""WeCom and DingTalk channels: users' userids and orgs' group robots (encrypted at rest)

* `user_account.wecom_userid`, `user_account.dingtalk_userid`: where work messages go.
* `org.wecom_robot_url`, `org.dingtalk_robot_url`, `org.dingtalk_robot_secret`: the org's group
  robots (the URL carries the robot's key, so it is a secret too).

All are `EncryptedString` (text holding `enc1:…`), so key rotation covers them.

Revision ID: 20261208_41_im_channels
Revises: 20261208_11_pollution_types
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_41_im_channels"
down_revision: str | None = "20261208_11_pollution_types"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_COLUMNS = ("wecom_userid", "dingtalk_userid")
ORG_COLUMNS = ("wecom_robot_url", "dingtalk_robot_url", "dingtalk_robot_secret")


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        for name in USER_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))
    with op.batch_alter_table("org") as batch:
        for name in ORG_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org") as batch:
        for name in reversed(ORG_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("user_account") as batch:
        for name in reversed(USER_COLUMNS):
            batch.drop_column(name)

"""sso_accounts: single sign-on matching fields on accounts, and the phone's blind index

* `user_account.employee_no` (工号, unique): an SSO identity may be matched by it.
* `user_account.password_login` (default true): false = the person signs in only through SSO.
* `user_account.phone_index`: keyed blind index (HMAC-SM3 under a key derived from the data key)
  of the encrypted phone, so a phone can be looked up without decrypting every row. Filled here
  for existing rows when the data key is installed (`rectify migrate` installs it), and kept by
  the model on every write; `rectify keys rotate` recomputes it under a new key.

Revision ID: 20261208_51_sso_accounts
Revises: 20261208_21_document_template
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rectify_shared import data_keys

revision: str = "20261208_51_sso_accounts"
down_revision: str | None = "20261208_21_document_template"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_index", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("employee_no", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("password_login", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index("ix_user_account_phone_index", ["phone_index"], unique=False)
        batch_op.create_unique_constraint("uq_user_account_employee_no", ["employee_no"])
    keys = data_keys.installed()
    if keys is None:
        return  # `rectify migrate` / `rectify keys rotate` fill the index once a key is installed
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, phone FROM user_account WHERE phone IS NOT NULL")).all()
    params = []
    for user_id, stored in rows:
        plain = keys.decrypt(stored) if data_keys.is_encrypted(stored) else stored
        params.append({"id": user_id, "ix": keys.blind_index(plain)})
    if params:
        bind.execute(sa.text("UPDATE user_account SET phone_index = :ix WHERE id = :id"), params)


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_employee_no", type_="unique")
        batch_op.drop_index("ix_user_account_phone_index")
        batch_op.drop_column("password_login")
        batch_op.drop_column("employee_no")
        batch_op.drop_column("phone_index")

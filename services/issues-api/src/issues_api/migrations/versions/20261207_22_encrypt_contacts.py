"""encrypt_contacts: contacts and secrets encrypted at rest with SM4 (issue 19, finding #21)

The columns below (the delivery log's addresses too: e-mail addresses and mobiles) become
`EncryptedString` (`rectify_shared.data_keys`): text holding `enc1:<key id>:<SM4-GCM
ciphertext>`, so on PostgreSQL their length limits go (a ciphertext is longer than its value).
Existing values are encrypted under the installed data key (`rectify migrate` installs it from
RECTIFY_DATA_KEY / the embedded data dir, and re-runs the same pass after every migration, which
also re-encrypts values under an old key after a rotation).
Downgrade decrypts them again (the key is needed) and restores the old types.

Revision ID: 20261207_22_encrypt_contacts
Revises: 20261207_21_calendar_override
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rectify_shared import data_keys

revision: str = "20261207_22_encrypt_contacts"
down_revision: str | None = "20261207_21_calendar_override"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID, MONTHLY = ("id",), ("id", "created_at")
#: (table, column, the type before, primary key)
COLUMNS = (
    ("user_account", "phone", sa.String(length=30), ID),
    ("user_account", "email", sa.String(length=200), ID),
    ("org", "contact_email", sa.String(length=200), ID),
    ("org", "mobile", sa.String(length=20), ID),
    ("webhook_subscription", "secret", sa.String(length=100), ID),
    ("delivery_receipt", "phone", sa.String(length=30), MONTHLY),
    ("delivery", "address", sa.String(length=500), MONTHLY),
    ("closure_objection", "name", sa.String(length=100), ID),
    ("closure_objection", "contact", sa.String(length=200), ID),
)


def _retype(to_text: bool) -> None:
    """The columns become text (and back). SQLite rebuilds each table once (batch mode)."""
    tables: dict[str, list[tuple[str, sa.types.TypeEngine[str]]]] = {}
    for table, column, before, _ in COLUMNS:
        tables.setdefault(table, []).append((column, before))
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, before in columns:
                old, new = (before, sa.Text()) if to_text else (sa.Text(), before)
                batch_op.alter_column(column, existing_type=old, type_=new)


def upgrade() -> None:
    bind = op.get_bind()
    _retype(to_text=True)
    keys = data_keys.installed()
    if keys is None:
        print("encrypt_contacts: no data key installed; `rectify migrate` encrypts the existing values")
        return
    data_keys.reencrypt_sync(bind, [(t, c, k) for t, c, _, k in COLUMNS], keys)


def downgrade() -> None:
    bind = op.get_bind()
    keys = data_keys.installed()
    for table, column, _, _ in COLUMNS:
        stored = bind.execute(sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} LIKE 'enc1:%' OR {column} LIKE 'enc2:%'")).scalars()
        for value in list(stored):
            if keys is None:
                raise RuntimeError("encrypt_contacts: the data key is needed to decrypt the values")
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :plain WHERE {column} = :old"),
                {"plain": keys.decrypt(value), "old": value},
            )
    _retype(to_text=False)

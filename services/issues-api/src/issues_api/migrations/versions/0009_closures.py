"""closures: evidence (attachment, attachment_link), the closure workflow, objections, extensions

Revision ID: 0009_closures
Revises: 0008_petitions
Create Date: 2026-11-28 16:53:41.277673
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op
from sqlalchemy.dialects import postgresql

import rectify_shared.models.types  # noqa: F401

revision: str = '0009_closures'
down_revision: str | None = '0008_petitions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('file_type', sa.String(length=10), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('uploaded_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_org_path'), ['org_path'], unique=False)
        batch_op.create_index('ix_attachment_sha256', ['sha256'], unique=False)

    op.create_table('attachment_link',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('linked_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('linked_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.PrimaryKeyConstraint('attachment_id', 'target_kind', 'target_id')
    )
    with op.batch_alter_table('attachment_link', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_link_issue', ['issue_id'], unique=False)
        batch_op.create_index('ix_attachment_link_target', ['target_kind', 'target_id'], unique=False)

    op.create_table('closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('applicant_org_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('statement', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('levels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('accepted_levels', sa.Integer(), nullable=False),
    sa.Column('step_due', sa.Date(), nullable=True),
    sa.Column('publicity_start', sa.Date(), nullable=True),
    sa.Column('publicity_end', sa.Date(), nullable=True),
    sa.Column('publicity_days', sa.Integer(), nullable=True),
    sa.Column('publicity_day_kind', sa.String(length=10), nullable=True),
    sa.Column('publicity_medium', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('publicity_contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('publicity_provisional', sa.Boolean(), nullable=False),
    sa.Column('last_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('applied_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('written_off_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('written_off_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('updated_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issue_id')
    )
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closure_org_path'), ['org_path'], unique=False)
        batch_op.create_index('ix_closure_state', ['state', 'updated_at'], unique=False)

    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('proposed_deadline', sa.Date(), nullable=False),
    sa.Column('current_deadline', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('requested_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('decided_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index('ix_extension_request_issue', ['issue_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_request_org_path'), ['org_path'], unique=False)

    op.create_table('closure_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closure_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('client_addr', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('filed_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('decided_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closure_id'], ['closure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('closure_objection', schema=None) as batch_op:
        batch_op.create_index('ix_closure_objection_closure', ['closure_id', 'id'], unique=False)

    op.create_table('closure_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closure_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closure_id'], ['closure.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('closure_step', schema=None) as batch_op:
        batch_op.create_index('ix_closure_step_closure', ['closure_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('closure_step', schema=None) as batch_op:
        batch_op.drop_index('ix_closure_step_closure')

    op.drop_table('closure_step')
    with op.batch_alter_table('closure_objection', schema=None) as batch_op:
        batch_op.drop_index('ix_closure_objection_closure')

    op.drop_table('closure_objection')
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_request_org_path'))
        batch_op.drop_index('ix_extension_request_issue')

    op.drop_table('extension_request')
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.drop_index('ix_closure_state')
        batch_op.drop_index(batch_op.f('ix_closure_org_path'))

    op.drop_table('closure')
    with op.batch_alter_table('attachment_link', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_link_target')
        batch_op.drop_index('ix_attachment_link_issue')

    op.drop_table('attachment_link')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_sha256')
        batch_op.drop_index(batch_op.f('ix_attachment_org_path'))

    op.drop_table('attachment')

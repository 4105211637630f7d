"""meeting hosts and the session epoch

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:40:00.000000

Meetings created before this revision have no assigned hosts: admins run them and assign hosts in the
meeting form.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_hosts',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_hosts_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_hosts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_hosts'))
    )
    with op.batch_alter_table('meeting_hosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_hosts_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
    with op.batch_alter_table('meeting_hosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_hosts_user_id'))
    op.drop_table('meeting_hosts')

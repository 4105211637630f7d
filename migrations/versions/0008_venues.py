"""venues (主会场 + 分会场): halls of a meeting, their operators, attendees' venues, per-venue paper tallies

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:31:31
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('venues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('leader', sa.String(length=60), nullable=False),
    sa.Column('join_code', sa.String(length=8), nullable=True),
    sa.Column('screen_token', sa.String(length=64), nullable=True),
    sa.Column('wifi_ssid', sa.String(length=64), server_default='', nullable=False),
    sa.Column('wifi_password', sa.String(length=64), server_default='', nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_venues_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venues')),
    sa.UniqueConstraint('join_code', name=op.f('uq_venues_join_code')),
    sa.UniqueConstraint('meeting_id', 'name', name=op.f('uq_venues_meeting_id')),
    sa.UniqueConstraint('screen_token', name=op.f('uq_venues_screen_token'))
    )
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venues_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('venue_operators',
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_venue_operators_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_venue_operators_venue_id_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('venue_id', 'user_id', name=op.f('pk_venue_operators'))
    )
    with op.batch_alter_table('venue_operators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_operators_user_id'), ['user_id'], unique=False)

    op.create_table('answer_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_answer_tallies_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_answer_tallies_venue_id_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_tallies')),
    sa.UniqueConstraint('round_id', 'venue_id', name=op.f('uq_answer_tallies_round_id'))
    )
    with op.batch_alter_table('answer_tallies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_tallies_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_tallies_venue_id'), ['venue_id'], unique=False)

    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attendees_venue_id'), ['venue_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attendees_venue_id_venues'), 'venues', ['venue_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('main_venue_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('paper_tallies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_paper_tallies_venue_id_venues'), 'venues', ['venue_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_paper_tallies_item_id'), ['item_id', 'venue_id'])

    # Every meeting held so far was held in one hall: it becomes the meeting's convening venue.
    op.execute("INSERT INTO venues (meeting_id, position, name, leader, created_at) "
                "SELECT id, 0, '主会场', '', created_at FROM meetings")


def downgrade() -> None:
    with op.batch_alter_table('paper_tallies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_paper_tallies_item_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_paper_tallies_venue_id_venues'), type_='foreignkey')
        batch_op.drop_column('venue_id')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('main_venue_id')

    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('venue_id')

    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendees_venue_id_venues'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attendees_venue_id'))
        batch_op.drop_column('venue_id')

    with op.batch_alter_table('answer_tallies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_tallies_venue_id'))
        batch_op.drop_index(batch_op.f('ix_answer_tallies_round_id'))

    op.drop_table('answer_tallies')
    with op.batch_alter_table('venue_operators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_operators_user_id'))

    op.drop_table('venue_operators')
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venues_meeting_id'))

    op.drop_table('venues')

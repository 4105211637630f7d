"""sealed ballots while a vote is open; demo marks; when a meeting started; redraws that exclude

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:45:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import core.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _reshuffle_ballots() -> None:
    """Ballots cast before this revision lie in voting order (rowid / ctid), which pairs them with the
    receipts: rewrite each item's ballots in random order under fresh tokens (docs/security.md)."""
    bind = op.get_bind()
    ballots = sa.table('ballots', sa.column('token', sa.String), sa.column('item_id', sa.Integer),
                       sa.column('rater_group', sa.String), sa.column('scores', sa.JSON))
    items = [row[0] for row in bind.execute(sa.select(ballots.c.item_id).distinct())]
    for item_id in items:
        rows = [dict(r._mapping) for r in bind.execute(sa.select(ballots).where(ballots.c.item_id == item_id))]
        secrets.SystemRandom().shuffle(rows)
        bind.execute(ballots.delete().where(ballots.c.item_id == item_id))
        bind.execute(ballots.insert(), [{**row, 'token': secrets.token_urlsafe(32)} for row in rows])


def upgrade() -> None:
    # A vote still open at the upgrade has its ballots in `ballots` already and no key to seal new ones:
    # it is closed here (its raters could no longer change their ballot anyway, their links being gone).
    op.execute("UPDATE review_items SET vote_state = 'closed' WHERE vote_state = 'open'")
    op.drop_table('ballot_links')
    _reshuffle_ballots()
    op.create_table('pending_ballots',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=43), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['review_items.id'], name=op.f('fk_pending_ballots_item_id_review_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'handle', name=op.f('pk_pending_ballots'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_key_id', sa.String(length=32), nullable=True))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('person_draws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exclude_previous', sa.Boolean(), nullable=False, server_default=sa.false()))
    # A meeting that got past its draft counts as held from when it was created (the best date there is).
    op.execute("UPDATE meetings SET started_at = created_at WHERE status <> 'draft'")


def downgrade() -> None:
    with op.batch_alter_table('person_draws', schema=None) as batch_op:
        batch_op.drop_column('exclude_previous')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('demo')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('demo')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('started_at')
        batch_op.drop_column('demo')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_column('vote_key_id')
    op.drop_table('pending_ballots')
    op.create_table('ballot_links',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_ballot_links_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['review_items.id'], name=op.f('fk_ballot_links_item_id_review_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'attendee_id', name=op.f('pk_ballot_links'))
    )

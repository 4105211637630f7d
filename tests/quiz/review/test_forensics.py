"""The forensic attacker: after a 述职评议 vote with 160 raters is closed, hold the database — its files, a
backup, PostgreSQL's pages and system columns — and try to pair raters with their ballots.

Every rater gives a ballot no one else gives (three criteria, 1–10 each), so a pairing that is right names the
rater's true rating. Under a random permutation about one pairing in 160 comes out right by chance; the old
code's row order paired 160 of 160. The test asserts fewer than 10 % — a random permutation reaches that with
probability below 1e-12. Attacks tried: row order (`rowid`, `ctid`, token order) of `ballots` zipped with
`vote_receipts`; `xmin` joins and order; a byte search of the SQLite file, its `-wal` and a `flask db backup`
copy, and of every page of every PostgreSQL relation (`pageinspect`), for the vote's key, every rater's
handle and every sealed rating seen while the vote was open.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select, text

from core.backup import sqlite_path
from core.realtime import socketio
from quiz.live import attendance
from quiz.review.models import Ballot, PendingBallot, ReviewItem
from tests.quiz.conftest import make_meeting
from tests.quiz.review.test_review import do, host_client

RATERS = 160
CRITERIA = [{"name": "抓党建成效", "weight": 2}, {"name": "问题查摆", "weight": 1}, {"name": "整改落实", "weight": 1}]
CHANGED = 20  # raters who change their ballot before the close (dead rows, updated pages)


def score_vector(scores: dict) -> tuple:
    return tuple(scores[c["name"]] for c in CRITERIA)


def correct_pairings(ballots: list[dict], raters: list[int], truth: dict[int, tuple]) -> int:
    """How many raters a zip of the two orders pairs with their own ballot."""
    return sum(truth[rater] == score_vector(scores) for rater, scores in zip(raters, ballots, strict=True))


def run_vote(app, client, session):  # type: ignore[no-untyped-def]
    """A meeting of 81 units (162 attendees); the first unit speaks and the 160 others rate it over sockets.
    Returns the item, the truth (rater → vector) in voting order, and what an insider saw while it was open."""
    meeting = make_meeting(session, units=RATERS // 2 + 1)
    for number, person in enumerate(meeting.attendees):
        attendance.check_in(session, person, f"device-{number}")
    meeting.settings = {**meeting.settings, "review": {"criteria": CRITERIA, "min_ballots": 3}}
    session.commit()
    host = host_client(app, client, session, meeting)
    assert do(host, "set_segment", segment_id=next(s.id for s in meeting.segments if s.kind == "review"))["ok"]
    item = session.scalars(select(ReviewItem).where(ReviewItem.meeting_id == meeting.id)
                           .order_by(ReviewItem.position)).first()
    assert do(host, "review_select", item_id=item.id)["ok"] and do(host, "review_open_vote")["ok"]
    raters = [a for a in meeting.attendees if a.unit_id != item.unit_id]
    assert len(raters) == RATERS
    vectors = random.sample([(a, b, c) for a in range(1, 11) for b in range(1, 11) for c in range(1, 11)], RATERS)
    truth = {}
    for number, (rater, vector) in enumerate(zip(raters, vectors, strict=True)):
        phone = socketio.test_client(app, auth={"code": rater.code, "device": rater.device_token})
        if number < CHANGED:  # a first ballot, changed a moment later
            first = {c["name"]: 11 - v for c, v in zip(CRITERIA, vector, strict=True)}
            assert phone.emit("submit_rating", {"item_id": item.id, "ballot": first}, callback=True)["ok"]
        ballot = {c["name"]: v for c, v in zip(CRITERIA, vector, strict=True)}
        assert phone.emit("submit_rating", {"item_id": item.id, "ballot": ballot}, callback=True) == {"ok": True}
        phone.disconnect()
        truth[rater.id] = vector
    session.expire_all()
    key_id = session.get(ReviewItem, item.id).vote_key_id
    key_file = Path(app.config["VOTE_KEY_DIR"]) / f"vote-{key_id}.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    pending = session.scalars(select(PendingBallot).where(PendingBallot.item_id == item.id)).all()
    assert len(pending) == RATERS and len({len(p.sealed) for p in pending}) == 1  # one length: says nothing
    seen = {"key": key_file.read_bytes(), "handles": [p.handle for p in pending], "sealed": [p.sealed for p in pending],
            "key_file": key_file}
    session.commit()  # the test's own session holds no read transaction over the close
    assert do(host, "review_close_vote")["ok"]
    host.disconnect()
    return item.id, truth, seen


def needles(seen: dict) -> list[bytes]:
    """Byte strings whose presence anywhere would let the attacker link a rater to a ballot."""
    key = seen["key"]
    found = [key, key.hex().encode(), base64.urlsafe_b64encode(key).rstrip(b"=")]
    found += [h.encode() for h in seen["handles"]]
    found += [s[:32] for s in seen["sealed"]] + [s[-32:] for s in seen["sealed"]]
    return found


def test_sqlite_files_and_a_backup_pair_nothing(app, client, session, runner, tmp_path: Path):
    path = sqlite_path(app.config["DATABASE_URL"])
    if path is None:
        pytest.skip("SQLite files; the PostgreSQL attack is below")
    item_id, truth, seen = run_vote(app, client, session)
    assert not seen["key_file"].exists()  # destroyed at the close
    backup = tmp_path / "copy.sqlite3"
    assert runner.invoke(args=["db", "backup", str(backup)]).exit_code == 0

    files = [path, Path(f"{path}-wal"), backup]
    contents = {f.name: f.read_bytes() for f in files if f.exists()}
    assert contents.get(f"{path.name}-wal", b"") == b""  # checkpointed and truncated at the close
    for name, content in contents.items():
        leaked = [n for n in needles(seen) if n in content]
        assert leaked == [], f"{len(leaked)} traces of the open vote in {name}"

    for database in (path, backup):
        with closing(sqlite3.connect(database)) as connection:
            raters = [r for (r,) in connection.execute(
                "SELECT attendee_id FROM vote_receipts WHERE item_id = ? ORDER BY rowid", (item_id,))]
            for order in ("rowid", "token"):
                ballots = [json.loads(s) for (s,) in connection.execute(
                    f"SELECT scores FROM ballots WHERE item_id = ? ORDER BY {order}", (item_id,))]
                assert len(ballots) == RATERS
                assert correct_pairings(ballots, raters, truth) < RATERS // 10, (database.name, order)
    # The result still adds up to every ballot given.
    assert sorted(score_vector(b.scores) for b in session.scalars(select(Ballot).where(Ballot.item_id == item_id))) \
        == sorted(truth.values())


def relations(connection) -> list[str]:  # type: ignore[no-untyped-def]
    """Every table, index, TOAST table and TOAST index of the app's schema."""
    return list(connection.execute(text(
        "SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind IN ('r', 'i', 't') AND "
        "(c.relnamespace = 'public'::regnamespace "
        " OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace) "
        " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN "
        "   (SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace)))")).scalars())


def test_postgresql_pages_and_system_columns_pair_nothing(app, client, session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pages; the SQLite attack is above")
    item_id, truth, seen = run_vote(app, client, session)
    assert not seen["key_file"].exists()
    with session.get_bind().connect() as connection:
        raters_by = {}
        for order in ("ctid", "xmin::text::bigint"):
            receipts = text(f"SELECT attendee_id FROM vote_receipts WHERE item_id = :i ORDER BY {order}")
            raters_by[order] = list(connection.execute(receipts, {"i": item_id}).scalars())
            for ballot_order in ("ctid", "token", "xmin::text::bigint"):
                ballots = list(connection.execute(text(f"SELECT scores FROM ballots WHERE item_id = :i "
                                                       f"ORDER BY {ballot_order}"), {"i": item_id}).scalars())
                assert correct_pairings(ballots, raters_by[order], truth) < RATERS // 10, (order, ballot_order)
        # All of an item's ballots were written by one transaction: no receipt shares its xmin.
        assert connection.execute(text("SELECT COUNT(DISTINCT xmin::text) FROM ballots WHERE item_id = :i"),
                                  {"i": item_id}).scalar() == 1
        assert connection.execute(text("SELECT COUNT(*) FROM ballots b JOIN vote_receipts r ON r.xmin = b.xmin "
                                       "WHERE b.item_id = :i"), {"i": item_id}).scalar() == 0

        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        # The staging table was rewritten at the close: no live or dead tuple is left in its pages.
        assert connection.execute(text("SELECT pg_relation_size('pending_ballots')")).scalar() == 0
        marks = needles(seen)
        for relation in relations(connection):
            blocks = connection.execute(text("SELECT pg_relation_size(:r) / current_setting('block_size')::int"),
                                        {"r": relation}).scalar()
            for block in range(blocks):
                page = bytes(connection.execute(text("SELECT get_raw_page(:r, :b)"),
                                                {"r": relation, "b": block}).scalar())
                leaked = [m for m in marks if m in page]
                assert leaked == [], f"{len(leaked)} traces of the open vote in {relation} block {block}"
        connection.commit()

"""The sealed ballot box of an open vote: a per-vote key in a 0600 file, and what it seals.

While a vote is open the database holds, per rater, only a `handle` (HMAC of the rater under the vote's key)
and the sealed rating (AES-GCM under the same key, padded to one length so its size says nothing). The key
lives only in `VOTE_KEY_DIR` (under `instance/`), fsynced when the vote opens, so a crash loses no ballot.
At the close the ratings are unsealed and written to `ballots` in random order; after the commit the key
file is overwritten and removed, and the database files are scrubbed (docs/security.md). From then on the
staging rows — wherever their bytes survive (free pages, `-wal`, PostgreSQL's dead tuples, a backup) — are
noise: nobody holds the key that ties them to a rater.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, has_app_context
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from quiz.live.engine import IllegalMove

KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_PLAINTEXT = 2048  # every sealed rating is padded to this many bytes: its length tells nothing
KEY_FILE = "vote-{}.key"
DEFAULT_KEY_DIR = Path(__file__).resolve().parents[2] / "instance" / "vote-keys"  # the app's instance folder


class KeyMissing(IllegalMove):
    """The open vote's key file is gone (deleted by hand, or another machine's instance folder)."""


def key_dir() -> Path:
    """Where this server keeps the keys of open votes (VOTE_KEY_DIR, default instance/vote-keys; the default
    too for a service called outside an app, e.g. a script or a test)."""
    if has_app_context() and current_app.config.get("VOTE_KEY_DIR"):
        return Path(current_app.config["VOTE_KEY_DIR"])
    return DEFAULT_KEY_DIR


def create_key(directory: Path) -> str:
    """A new vote key, stored durably (0600, fsynced with its folder) before the vote opens; returns its id."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_id = secrets.token_hex(16)
    path = directory / KEY_FILE.format(key_id)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, secrets.token_bytes(KEY_BYTES))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    _fsync_dir(directory)
    return key_id


def load_key(directory: Path, key_id: str | None) -> bytes:
    """The open vote's key."""
    try:
        key = (directory / KEY_FILE.format(key_id)).read_bytes() if key_id else b""
    except FileNotFoundError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyMissing("本场投票的密钥文件缺失（instance/vote-keys），无法记录或统计选票")
    return key


def destroy_key(directory: Path, key_id: str) -> bool:
    """Overwrite the key file in place and remove it; True if there was one."""
    path = directory / KEY_FILE.format(key_id)
    try:
        descriptor = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        os.write(descriptor, bytes(KEY_BYTES))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    path.unlink()
    _fsync_dir(directory)
    return True


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def handle(key: bytes, item_id: int, attendee_id: int) -> str:
    """The rater's name in the staging table: stable while the key lives, meaningless once it is gone."""
    digest = hmac.new(key, f"rater:{item_id}:{attendee_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def seal(key: bytes, item_id: int, rater_handle: str, group: str, scores: dict[str, Any],
         venue_id: int | None = None) -> bytes:
    """Encrypt (rater group, scores, the rater's venue id or 0 for the convening hall), padded to
    SEALED_PLAINTEXT bytes, bound to the item and handle. The venue ("v") is sealed like the group: nobody reads
    it before the close, which decides whether the ballot keeps it (quiz/review/venue_privacy.py)."""
    plain = json.dumps({"g": group, "s": scores, "v": venue_id}, ensure_ascii=False,
                       separators=(",", ":")).encode()
    if len(plain) >= SEALED_PLAINTEXT:
        raise ValueError("ballot too large to seal")
    padded = plain + b" " * (SEALED_PLAINTEXT - len(plain))
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, padded, _aad(item_id, rater_handle))


def unseal(key: bytes, item_id: int, rater_handle: str, sealed: bytes) -> tuple[str, dict[str, Any], int | None]:
    """(rater group, scores, rater's venue id) back from a sealed rating (venue None: sealed without one)."""
    plain = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(item_id, rater_handle))
    data = json.loads(plain.decode().rstrip(" "))
    venue = data.get("v")
    return data["g"], data["s"], venue if isinstance(venue, int) and not isinstance(venue, bool) else None


def _aad(item_id: int, rater_handle: str) -> bytes:
    return f"{item_id}:{rater_handle}".encode()


def scrub_storage(engine: Engine) -> bool:
    """After a close has committed: leave no trace of the staging rows in the database's own files. Returns
    whether it completed (a long reader can hold off SQLite's checkpoint; the next close tries again).

    SQLite (secure_delete is on for every connection, so deleted cells are zeroed): move the WAL into the
    main file and truncate it. PostgreSQL: rewrite the staging table (VACUUM FULL) so that its dead tuples
    leave the table's pages. Either way what could survive is sealed under a key that no longer exists."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
            return not busy
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        # The rewrite's exclusive lock queues every other vote's ballots behind it: wait a second at most.
        connection.execute(text("SET lock_timeout = 1000"))
        try:
            connection.execute(text("VACUUM FULL pending_ballots"))
        except OperationalError:  # another vote's ballot holds the table past the lock timeout
            connection.execute(text("VACUUM pending_ballots"))
            return False
        return True

"""The question log: what members ask, what kzbot made of it, their picks and votes, in one SQLite file.

Nothing here names a person: a voter is an HMAC of the user id under a secret kept in the state directory,
and mentions in a question are replaced before it is stored. Writes go through one background thread that
commits each batch in a short transaction, so recording never holds up an answer; when the file cannot be
written (read-only, full, locked for too long) the failure is logged once and answering goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import queue
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kzbot.matcher import AskResult

_log = logging.getLogger(__name__)

DATABASE_FILE = "kzbot.sqlite3"
SECRET_FILE = "question-log.key"
DAY = 86_400.0

Via = Literal["slash", "mention", "menu", "channel"]
Outcome = Literal["answered", "suggested", "declined", "gap"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "suggested", "declined", "gap")


@dataclass(frozen=True)
class Tuning:
    """The log's few numbers, each with its reason."""

    # A shard waits this long for another process's short transaction before giving up on a batch.
    busy_timeout_ms: int = 5_000
    # Rows written in one transaction: one commit per burst, yet short enough not to block other writers.
    batch_max: int = 500
    # Rows waiting to be written; beyond this (a stuck disk) new rows are dropped rather than eat memory.
    queue_max: int = 10_000
    # Old rows are deleted at start and then once a day.
    purge_every: float = DAY
    # After the first record of a burst the writer waits this long before writing: the reply goes out first,
    # and a burst is written in one transaction rather than one per question.
    linger: float = 0.02
    # While the file cannot be opened, it is tried again with the next question or after this many seconds.
    retry_every: float = 60.0


TUNING = Tuning()

# Each migration takes the schema from version i to i + 1; PRAGMA user_version holds the version.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,
            at REAL NOT NULL,
            via TEXT NOT NULL,
            guild_id INTEGER,
            question TEXT NOT NULL,
            outcome TEXT NOT NULL,
            entry TEXT,
            score REAL NOT NULL,
            suggestions TEXT NOT NULL,
            knowledge TEXT NOT NULL
        )""",
        "CREATE INDEX questions_at ON questions (at)",
        """CREATE TABLE votes (
            ref TEXT NOT NULL,
            voter TEXT NOT NULL,
            entry TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            at REAL NOT NULL,
            PRIMARY KEY (ref, voter, entry)
        )""",
        """CREATE TABLE picks (
            ref TEXT NOT NULL,
            voter TEXT NOT NULL,
            entry TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (ref, voter, entry)
        )""",
        """CREATE TABLE dismissals (
            ref TEXT NOT NULL,
            voter TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (ref, voter)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
TABLES = ("questions", "votes", "picks", "dismissals")


# --- records ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """One question as it came and what kzbot made of it. `ref` ties later picks and votes to it."""

    ref: str
    at: float
    via: Via
    guild_id: int | None
    question: str
    outcome: Outcome
    entry: str | None
    score: float
    suggestions: tuple[str, ...]
    knowledge: str


@dataclass(frozen=True)
class Vote:
    """👍 (+1) or 👎 (-1) on the answer `entry` given after question `ref`; one per voter, the last one counts."""

    ref: str
    voter: str
    entry: str
    vote: int
    at: float


@dataclass(frozen=True)
class Pick:
    """A "Did you mean…" or related-question button pressed after question `ref`: the entry chosen."""

    ref: str
    voter: str
    entry: str
    at: float


@dataclass(frozen=True)
class Dismissal:
    """ "None of these" pressed on the suggestions for question `ref`."""

    ref: str
    voter: str
    at: float


Record = Asked | Vote | Pick | Dismissal

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")
_LONG_NUMBER = re.compile(r"\d{15,}")  # Discord ids (snowflakes) have 17 to 20 digits


def new_ref() -> str:
    """A short random reference for one question, carried in the custom ids of its buttons."""
    return secrets.token_hex(6)


def scrub(question: str, limit: int) -> str:
    """The question as stored: mentions and Discord ids replaced, one line, at most `limit` characters."""
    text = _MENTION.sub("@someone", question)
    text = _LONG_NUMBER.sub("#id", text)
    return " ".join(text.split())[:limit]


def outcome_of(result: AskResult) -> Outcome:
    if result.status == "answer":
        return "answered"
    if result.status == "suggest" and result.suggestions:
        return "suggested"
    return "gap" if result.gap is not None else "declined"


def asked(
    result: AskResult,
    *,
    ref: str,
    via: Via,
    guild_id: int | None,
    knowledge: str,
    limit: int,
    at: float | None = None,
) -> Asked:
    """The record of one question answered (or not) by the matcher."""
    return Asked(
        ref=ref,
        at=time.time() if at is None else at,
        via=via,
        guild_id=guild_id,
        question=scrub(result.question, limit),
        outcome=outcome_of(result),
        entry=result.id if result.answered else None,
        score=float(result.score),
        suggestions=tuple(s.id for s in result.suggestions),
        knowledge=knowledge,
    )


# --- the database -------------------------------------------------------------------------------------


def connect(path: Path, *, tuning: Tuning = TUNING) -> sqlite3.Connection:
    """Open (creating if needed) the log for writing: WAL, a busy timeout, the schema migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=tuning.busy_timeout_ms / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(tuning.busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        # In WAL mode a commit survives the process being killed; only a power cut may lose the last ones.
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to SCHEMA_VERSION in one transaction; safe when several processes start at once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"the question log has schema version {version}, newer than this kzbot knows ({SCHEMA_VERSION})"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open the log for reading only, safe while the bot writes to it."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=TUNING.busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(TUNING.busy_timeout_ms)}")
    return conn


def write(conn: sqlite3.Connection, records: Iterable[Record]) -> None:
    """Write records in one short transaction. A repeated vote replaces the voter's earlier one."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for record in records:
            _write_one(conn, record)
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def _write_one(conn: sqlite3.Connection, record: Record) -> None:
    if isinstance(record, Asked):
        conn.execute(
            "INSERT OR IGNORE INTO questions (ref, at, via, guild_id, question, outcome, entry, score, suggestions, "
            "knowledge) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.ref,
                record.at,
                record.via,
                record.guild_id,
                record.question,
                record.outcome,
                record.entry,
                record.score,
                " ".join(record.suggestions),
                record.knowledge,
            ),
        )
    elif isinstance(record, Vote):
        conn.execute(
            "INSERT INTO votes (ref, voter, entry, vote, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (ref, voter, entry) "
            "DO UPDATE SET vote = excluded.vote, at = excluded.at",
            (record.ref, record.voter, record.entry, record.vote, record.at),
        )
    elif isinstance(record, Pick):
        conn.execute(
            "INSERT OR IGNORE INTO picks (ref, voter, entry, at) VALUES (?, ?, ?, ?)",
            (record.ref, record.voter, record.entry, record.at),
        )
    else:
        conn.execute(
            "INSERT OR IGNORE INTO dismissals (ref, voter, at) VALUES (?, ?, ?)",
            (record.ref, record.voter, record.at),
        )


def purge(conn: sqlite3.Connection, before: float) -> int:
    """Delete every row recorded before `before` (a Unix time); returns how many went."""
    deleted = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in TABLES:
            deleted += conn.execute(f"DELETE FROM {table} WHERE at < ?", (before,)).rowcount
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return deleted


def lookup(path: Path, ref: str) -> Asked | None:
    """The recorded question `ref`, or None if it is not (or not yet) in the log."""
    try:
        conn = open_readonly(path)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            "SELECT ref, at, via, guild_id, question, outcome, entry, score, suggestions, knowledge "
            "FROM questions WHERE ref = ?",
            (ref,),
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if row is None:
        return None
    ref, at, via, guild_id, question, outcome, entry, score, suggestions, knowledge = row
    return Asked(ref, at, via, guild_id, question, outcome, entry, score, tuple(suggestions.split()), knowledge)


# --- voters -------------------------------------------------------------------------------------------


def load_secret(path: Path) -> bytes:
    """The HMAC key for voters: read from `path`, or made once and saved there (readable by its owner only).

    Several processes may start at once: the key is written to a temporary file and linked into place, so
    every process ends up with the same one.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise OSError(f"{path} holds no usable key")
    return text.encode("ascii")


def voter_key(secret: bytes, user_id: int) -> str:
    """Who voted, as a keyed hash: the same person always gets the same key, and the key names no one."""
    return hmac.new(secret, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


# --- the writer ---------------------------------------------------------------------------------------

_STOP = object()


class QuestionLog:
    """Records go into a queue; one thread writes them. `record` never blocks and never raises."""

    def __init__(
        self,
        state_dir: Path,
        *,
        keep_days: int,
        tuning: Tuning = TUNING,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = state_dir / DATABASE_FILE
        self.secret_path = state_dir / SECRET_FILE
        self.keep_days = keep_days
        self.tuning = tuning
        self._clock = clock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=tuning.queue_max)
        self._thread: threading.Thread | None = None
        self._failing = False
        self._dropping = False
        self._secret = self._load_secret()

    def _load_secret(self) -> bytes:
        try:
            return load_secret(self.secret_path)
        except OSError as exc:
            self._fail(f"cannot keep the question log's voter key {self.secret_path} ({exc}); answering goes on")
            return secrets.token_bytes(32)

    def voter(self, user_id: int) -> str:
        return voter_key(self._secret, user_id)

    def ask(self, result: AskResult, *, via: Via, guild_id: int | None, knowledge: str, limit: int) -> str:
        """Record a question and what the matcher made of it; returns its reference for the reply's buttons."""
        ref = new_ref()
        self.record(
            asked(result, ref=ref, via=via, guild_id=guild_id, knowledge=knowledge, limit=limit, at=self._clock())
        )
        return ref

    def pick(self, ref: str, user_id: int, entry: str) -> None:
        self.record(Pick(ref, self.voter(user_id), entry, self._clock()))

    def vote(self, ref: str, user_id: int, entry: str, *, up: bool) -> None:
        self.record(Vote(ref, self.voter(user_id), entry, 1 if up else -1, self._clock()))

    def dismiss(self, ref: str, user_id: int) -> None:
        self.record(Dismissal(ref, self.voter(user_id), self._clock()))

    def lookup(self, ref: str) -> Asked | None:
        """The recorded question `ref` (reads the file: call it off the event loop)."""
        return lookup(self.path, ref)

    def start(self) -> QuestionLog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
            self._thread.start()
        return self

    def record(self, record: Record) -> None:
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            if not self._dropping:
                self._dropping = True
                _log.warning("the question log is falling behind; new questions are not recorded for now")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record queued so far has been written (or given up on); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer thread."""
        if self._thread is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout)
        self._thread = None

    # --- the thread ---

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        due = 0.0  # when to purge old rows next (or, while the file cannot be opened, to try again)
        stopping = False
        while not stopping:
            try:
                first: object | None = self._queue.get(timeout=max(0.0, due - self._clock()))
            except queue.Empty:
                first = None
            items = self._drain(first)
            stopping = _STOP in items
            batch = [item for item in items if item is not _STOP]
            try:
                if conn is None:
                    conn = connect(self.path, tuning=self.tuning)
                if self._clock() >= due:
                    self._purge(conn)
                    due = self._clock() + self.tuning.purge_every
                if batch:
                    write(conn, batch)  # type: ignore[arg-type]
                self._recovered()
            except (sqlite3.Error, OSError) as exc:
                self._fail(f"cannot write the question log {self.path} ({exc}); answering goes on")
                if conn is not None and "locked" not in str(exc):
                    conn.close()
                    conn = None
                if conn is None:
                    due = self._clock() + self.tuning.retry_every
            finally:
                for _ in items:
                    self._queue.task_done()
        if conn is not None:
            conn.close()

    def _drain(self, first: object | None) -> list[object]:
        if first is None:
            return []
        if first is not _STOP and self.tuning.linger > 0:
            time.sleep(self.tuning.linger)
        items = [first]
        while len(items) < self.tuning.batch_max:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _purge(self, conn: sqlite3.Connection) -> None:
        deleted = purge(conn, self._clock() - self.keep_days * DAY)
        if deleted:
            _log.info("question log: deleted %d rows older than %d days", deleted, self.keep_days)

    def _fail(self, message: str) -> None:
        if not self._failing:
            self._failing = True
            _log.warning(message)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            self._dropping = False
            _log.info("the question log %s is writable again", self.path)

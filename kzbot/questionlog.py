"""The question log: what members ask, what kzbot made of it, their picks and votes, in one SQLite file.

Nothing here names a person: a voter is an HMAC of the user id under a secret kept in the state directory,
and mentions in a question are replaced before it is stored. Writes go through one background thread: it
sleeps while questions keep coming and then writes them all in one short transaction, so recording never
holds up an answer; when the file cannot be written (read-only, full, locked for too long) the failure is
logged once and answering goes on.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import hmac
import logging
import os
import random
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

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
    # A full batch means a backlog, so the next one is written at once.
    batch_max: int = 500
    # Rows bound to one INSERT: the writer gives up the GIL once a statement rather than once a row, so a
    # burst written while questions are answered barely delays them. 50 rows of 10 columns stay under the
    # 999 variables a statement may have in older SQLite builds.
    rows_per_statement: int = 50
    # Rows waiting to be written; beyond this (a stuck disk) new rows are dropped rather than eat memory.
    queue_max: int = 10_000
    # Old rows are deleted at start and then once a day.
    purge_every: float = DAY
    # A burst is over when no record has come for this long. The writer sleeps until then, so it takes no
    # CPU or GIL from the answers of a burst, and writes the burst in one transaction rather than many.
    quiet: float = 0.05
    # However long a burst lasts, no record waits longer than this to be written (what a crash can lose).
    linger_max: float = 1.0
    # A 👎 waits at most this long for its question to be written before reading it (Discord wants a reply
    # within 3 s; without the question, the runner-ups come from the answer's own question).
    lookup_wait: float = 1.0
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


# Seeded from the system's randomness, and again in a forked child: processes sharing one log draw apart.
_REFS = random.Random()
os.register_at_fork(after_in_child=_REFS.seed)


def new_ref() -> str:
    """A short random reference for one question, carried in the custom ids of its buttons. Anyone who sees
    the buttons can read it, so it needs to be unique, not secret: no system call for it on the answer path."""
    return f"{_REFS.getrandbits(48):012x}"


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
    with _immediate(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"the question log has schema version {version}, newer than this kzbot knows ({SCHEMA_VERSION})"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return SCHEMA_VERSION


@contextlib.contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (BEGIN IMMEDIATE): committed when the block ends, rolled back when it
    raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open the log for reading only, safe while the bot writes to it."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=TUNING.busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(TUNING.busy_timeout_ms)}")
    return conn


def write(conn: sqlite3.Connection, records: Iterable[Record], *, tuning: Tuning = TUNING) -> None:
    """Write records in one short transaction, many rows to a statement. A repeated vote replaces the voter's
    earlier one."""
    rows: dict[_Insert, list[tuple[object, ...]]] = {}
    for record in records:
        insert, row = _row(record)
        rows.setdefault(insert, []).append(row)
    step = tuning.rows_per_statement
    with _immediate(conn):
        for insert, values in rows.items():
            for start in range(0, len(values), step):
                chunk = values[start : start + step]
                conn.execute(insert.statement(len(chunk)), [value for row in chunk for value in row])


@dataclass(frozen=True)
class _Insert:
    """The statement that writes rows of one table: `head` VALUES (?, …), (?, …), … `tail`."""

    head: str
    columns: int
    tail: str = ""

    def statement(self, rows: int) -> str:
        one = "(" + ", ".join("?" * self.columns) + ")"
        return f"{self.head} VALUES {', '.join([one] * rows)}{self.tail}"


_ASKED = _Insert(
    "INSERT OR IGNORE INTO questions (ref, at, via, guild_id, question, outcome, entry, score, suggestions, knowledge)",
    10,
)
# Rows of one statement are applied in order, so the last of two votes by one voter in a batch counts.
_VOTE = _Insert(
    "INSERT INTO votes (ref, voter, entry, vote, at)",
    5,
    " ON CONFLICT (ref, voter, entry) DO UPDATE SET vote = excluded.vote, at = excluded.at",
)
_PICK = _Insert("INSERT OR IGNORE INTO picks (ref, voter, entry, at)", 4)
_DISMISSAL = _Insert("INSERT OR IGNORE INTO dismissals (ref, voter, at)", 3)


def _row(record: Record) -> tuple[_Insert, tuple[object, ...]]:
    """The statement that writes a record, and its values."""
    if isinstance(record, Asked):
        suggestions = " ".join(record.suggestions)
        return _ASKED, (
            record.ref,
            record.at,
            record.via,
            record.guild_id,
            record.question,
            record.outcome,
            record.entry,
            record.score,
            suggestions,
            record.knowledge,
        )
    if isinstance(record, Vote):
        return _VOTE, (record.ref, record.voter, record.entry, record.vote, record.at)
    if isinstance(record, Pick):
        return _PICK, (record.ref, record.voter, record.entry, record.at)
    return _DISMISSAL, (record.ref, record.voter, record.at)


def purge(conn: sqlite3.Connection, before: float) -> int:
    """Delete every row recorded before `before` (a Unix time); returns how many went."""
    deleted = 0
    with _immediate(conn):
        for table in TABLES:
            deleted += conn.execute(f"DELETE FROM {table} WHERE at < ?", (before,)).rowcount
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


class _Question(NamedTuple):
    """A question as the answering task hands it over: the writer thread makes the `Asked` record of it
    (scrubbed, cut to length), so none of that work sits between a question and its answer."""

    result: AskResult
    ref: str
    at: float
    via: Via
    guild_id: int | None
    knowledge: str
    limit: int

    def record(self) -> Asked:
        return asked(
            self.result,
            ref=self.ref,
            via=self.via,
            guild_id=self.guild_id,
            knowledge=self.knowledge,
            limit=self.limit,
            at=self.at,
        )


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
        # Records, questions still to be made into records, flush markers (events) and _STOP, in order. A deque:
        # appending takes no lock and wakes no thread, so handing a question over costs the answer almost nothing.
        self._queue: collections.deque[object] = collections.deque()
        self._queued = threading.Event()  # set when the queue may hold something: wakes an idle writer
        self._hurry = threading.Event()  # flush() or close() wants what is queued written without waiting
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
        self._put(_Question(result, ref, self._clock(), via, guild_id, knowledge, limit))
        return ref

    def pick(self, ref: str, user_id: int, entry: str) -> None:
        self.record(Pick(ref, self.voter(user_id), entry, self._clock()))

    def vote(self, ref: str, user_id: int, entry: str, *, up: bool) -> None:
        self.record(Vote(ref, self.voter(user_id), entry, 1 if up else -1, self._clock()))

    def dismiss(self, ref: str, user_id: int) -> None:
        self.record(Dismissal(ref, self.voter(user_id), self._clock()))

    def lookup(self, ref: str) -> Asked | None:
        """The recorded question `ref`, written first if it is still queued (blocks: call it off the event loop)."""
        self.flush(self.tuning.lookup_wait)
        return lookup(self.path, ref)

    def start(self) -> QuestionLog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
            self._thread.start()
        return self

    def record(self, record: Record) -> None:
        self._put(record)

    def _put(self, item: Record | _Question) -> None:
        if len(self._queue) >= self.tuning.queue_max:
            if not self._dropping:
                self._dropping = True
                _log.warning("the question log is falling behind; new questions are not recorded for now")
            return
        self._queue.append(item)
        if not self._queued.is_set():
            self._queued.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Write every record queued so far, without waiting for a burst to end; False on timeout."""
        if self._thread is None:
            return not self._queue
        written = threading.Event()
        self._queue.append(written)
        self._hurry.set()
        self._queued.set()
        return written.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer thread."""
        if self._thread is None:
            return
        self._queue.append(_STOP)
        self._hurry.set()
        self._queued.set()
        self._thread.join(timeout)
        self._thread = None

    # --- the thread ---

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        due = 0.0  # when to purge old rows next (or, while the file cannot be opened, to try again)
        backlog = False
        stopping = False
        while not stopping:
            if not self._queue:
                self._queued.wait(max(0.0, due - self._clock()))
            if self._queue and not backlog:
                self._sleep_through_burst()
            # Cleared before draining: whatever comes after the drain sets them again.
            self._queued.clear()
            self._hurry.clear()
            items = self._drain()
            backlog = len(items) >= self.tuning.batch_max
            stopping = _STOP in items
            batch = [item.record() if isinstance(item, _Question) else item for item in items]
            records = [item for item in batch if isinstance(item, Asked | Vote | Pick | Dismissal)]
            try:
                if conn is None:
                    conn = connect(self.path, tuning=self.tuning)
                if self._clock() >= due:
                    self._purge(conn)
                    due = self._clock() + self.tuning.purge_every
                if records:
                    write(conn, records, tuning=self.tuning)
                self._recovered()
            except (sqlite3.Error, OSError) as exc:
                self._fail(f"cannot write the question log {self.path} ({exc}); answering goes on")
                if conn is not None and "locked" not in str(exc):
                    conn.close()
                    conn = None
                if conn is None:
                    due = self._clock() + self.tuning.retry_every
            finally:
                for item in items:
                    if isinstance(item, threading.Event):
                        item.set()
        if conn is not None:
            conn.close()

    def _sleep_through_burst(self) -> None:
        """Sleep while records keep coming, until none has come for `quiet` seconds, `linger_max` has passed,
        a batch is full, or flush() or close() hurries the writer. Checking the queue's length wakes no one."""
        deadline = time.monotonic() + self.tuning.linger_max
        seen = -1
        while True:
            waiting = len(self._queue)
            if waiting == seen or waiting >= self.tuning.batch_max:
                return
            left = deadline - time.monotonic()
            if left <= 0 or self._hurry.wait(min(self.tuning.quiet, left)):
                return
            seen = waiting

    def _drain(self) -> list[object]:
        items: list[object] = []
        while self._queue and len(items) < self.tuning.batch_max:
            items.append(self._queue.popleft())
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

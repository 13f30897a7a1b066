"""The question log on a real SQLite file: schema and migrations, what a row holds, votes, the voter key,
retention, and what happens when the file cannot be written."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzbot import questionlog
from kzbot.matcher import Matcher
from kzbot.questionlog import Asked, Dismissal, Pick, QuestionLog, Vote

ROOT = Path(__file__).resolve().parent.parent
USER_ID = 734291847102938475


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def asked(matcher: Matcher, question: str, ref: str = "r1", *, at: float | None = None, via: str = "slash") -> Asked:
    return questionlog.asked(
        matcher.ask(question), ref=ref, via=via, guild_id=42, knowledge=matcher.kb.version, limit=300, at=at
    )


@pytest.fixture
def log(tmp_path: Path):
    started = QuestionLog(tmp_path / "state", keep_days=90).start()
    yield started
    started.close()


def test_a_new_log_is_a_wal_database_at_the_current_schema(log: QuestionLog, matcher: Matcher) -> None:
    log.record(asked(matcher, "why didnt china send troops"))
    assert log.flush()
    assert log.path.name == "kzbot.sqlite3"
    assert rows(log.path, "PRAGMA journal_mode") == [("wal",)]
    assert rows(log.path, "PRAGMA user_version") == [(questionlog.SCHEMA_VERSION,)]
    tables = {name for (name,) in rows(log.path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(questionlog.TABLES)


def test_migrating_twice_changes_nothing_and_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    questionlog.connect(path).close()
    conn = questionlog.connect(path)
    assert questionlog.migrate(conn) == questionlog.SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version = {questionlog.SCHEMA_VERSION + 1}")
    with pytest.raises(sqlite3.DatabaseError, match="newer than this kzbot knows"):
        questionlog.migrate(conn)
    conn.close()


def test_each_outcome_is_recorded_with_its_entry_suggestions_and_version(log: QuestionLog, matcher: Matcher) -> None:
    questions = {
        "why didnt china send troops": "answered",
        "china": "suggested",
        "what is the best pizza topping": "declined",
        "how many people were arrested": "gap",
    }
    for number, question in enumerate(questions):
        log.record(asked(matcher, question, ref=f"r{number}"))
    assert log.flush()
    got = {
        q: (outcome, entry, suggestions, version)
        for q, outcome, entry, suggestions, version in rows(
            log.path, "SELECT question, outcome, entry, suggestions, knowledge FROM questions"
        )
    }
    assert {q: v[0] for q, v in got.items()} == questions
    assert got["why didnt china send troops"][1] == matcher.ask("why didnt china send troops").id
    assert got["china"][1] is None and len(got["china"][2].split()) >= 2
    assert all(version == matcher.kb.version for *_, version in got.values())


def test_mentions_and_ids_never_reach_the_file(log: QuestionLog, matcher: Matcher) -> None:
    question = f"<@{USER_ID}> <@!{USER_ID}> in <#{USER_ID}> ask <@&{USER_ID}> why did china not send troops {USER_ID}"
    log.record(asked(matcher, question))
    log.record(Vote("r1", log.voter(USER_ID), "why-no-troops", -1, 1.0))
    assert log.flush()
    log.close()
    stored = rows(log.path, "SELECT question FROM questions")[0][0]
    assert stored == "@someone @someone in @someone ask @someone why did china not send troops #id"
    for part in log.path.parent.iterdir():
        assert str(USER_ID).encode() not in part.read_bytes(), part.name


def test_the_question_is_cut_to_the_length_limit() -> None:
    assert questionlog.scrub("why  \n did " + "x" * 50, 20) == "why did " + "x" * 12


def test_one_vote_per_person_and_the_other_button_changes_it(log: QuestionLog) -> None:
    me, other = log.voter(1), log.voter(2)
    for vote in (1, 1, -1):
        log.record(Vote("r1", me, "why-no-troops", vote, 1.0))
    log.record(Vote("r1", other, "why-no-troops", 1, 1.0))
    log.record(Vote("r2", me, "why-no-troops", 1, 1.0))
    assert log.flush()
    got = rows(log.path, "SELECT ref, voter, vote FROM votes ORDER BY ref, vote")
    assert got == [("r1", me, -1), ("r1", other, 1), ("r2", me, 1)]


def test_rows_are_written_many_to_a_statement_and_the_last_vote_still_counts(tmp_path: Path, matcher: Matcher) -> None:
    path = tmp_path / "log.sqlite3"
    conn = questionlog.connect(path)
    me = "voter-me"
    records: list[questionlog.Record] = [asked(matcher, "china", f"r{number}") for number in range(7)]
    records += [Vote("r1", me, "why-no-troops", 1 if number % 2 else -1, float(number)) for number in range(8)]
    records += [Pick(f"r{number}", me, "csto", 1.0) for number in range(4)] + [Dismissal("r2", me, 1.0)]
    questionlog.write(conn, records, tuning=questionlog.Tuning(rows_per_statement=3))
    conn.close()
    assert rows(path, "SELECT count(*) FROM questions") == [(7,)]
    assert rows(path, "SELECT vote, at FROM votes") == [(1, 7.0)], "eight votes across three statements: the last"
    assert rows(path, "SELECT count(*) FROM picks") == [(4,)]
    assert rows(path, "SELECT ref FROM dismissals") == [("r2",)]


def test_a_pick_and_a_dismissal_count_once_per_person(log: QuestionLog) -> None:
    for _ in range(2):
        log.record(Pick("r1", log.voter(1), "why-no-troops", 1.0))
        log.record(Dismissal("r2", log.voter(1), 1.0))
    assert log.flush()
    assert rows(log.path, "SELECT ref, entry FROM picks") == [("r1", "why-no-troops")]
    assert rows(log.path, "SELECT ref FROM dismissals") == [("r2",)]


def test_the_voter_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    first = QuestionLog(tmp_path, keep_days=90)
    second = QuestionLog(tmp_path, keep_days=90)
    assert first.voter(USER_ID) == second.voter(USER_ID) != first.voter(USER_ID + 1)
    assert len(first.voter(USER_ID)) == 32 and str(USER_ID) not in first.voter(USER_ID)
    assert stat.S_IMODE(first.secret_path.stat().st_mode) == 0o600
    first.secret_path.write_text("0" * 64 + "\n")
    assert QuestionLog(tmp_path, keep_days=90).voter(USER_ID) != first.voter(USER_ID)


def test_rows_older_than_the_retention_are_deleted_at_start(tmp_path: Path, matcher: Matcher) -> None:
    now = 1_800_000_000.0
    old = QuestionLog(tmp_path, keep_days=30, clock=lambda: now).start()
    old.record(asked(matcher, "why didnt china send troops", "old", at=now - 31 * questionlog.DAY))
    old.record(Vote("old", old.voter(1), "why-no-troops", 1, now - 31 * questionlog.DAY))
    old.record(asked(matcher, "why didnt china send troops", "new", at=now - 29 * questionlog.DAY))
    assert old.flush()
    old.close()
    assert len(rows(old.path, "SELECT ref FROM questions")) == 2
    QuestionLog(tmp_path, keep_days=30, clock=lambda: now).start().close()
    assert rows(old.path, "SELECT ref FROM questions") == [("new",)]
    assert rows(old.path, "SELECT count(*) FROM votes") == [(0,)]


def test_old_rows_are_deleted_again_while_the_log_runs(tmp_path: Path, matcher: Matcher) -> None:
    log = QuestionLog(tmp_path, keep_days=1, tuning=questionlog.Tuning(purge_every=0.1)).start()
    log.record(asked(matcher, "why didnt china send troops", "stale", at=time.time() - 2 * questionlog.DAY))
    log.record(asked(matcher, "why didnt china send troops", "fresh"))
    assert log.flush()
    deadline = time.monotonic() + 5
    while rows(log.path, "SELECT ref FROM questions") != [("fresh",)] and time.monotonic() < deadline:
        time.sleep(0.02)
    log.close()
    assert rows(log.path, "SELECT ref FROM questions") == [("fresh",)]


def test_lookup_finds_a_recorded_question(log: QuestionLog, matcher: Matcher) -> None:
    log.record(asked(matcher, "china", "abc"))
    assert log.flush()
    found = questionlog.lookup(log.path, "abc")
    assert found is not None and found.question == "china" and found.outcome == "suggested"
    assert found.suggestions == tuple(s.id for s in matcher.ask("china").suggestions)
    assert questionlog.lookup(log.path, "nope") is None
    assert questionlog.lookup(log.path.with_name("missing.sqlite3"), "abc") is None


# --- when the writer writes: after a burst, or at once when asked ----------------------------------------

# A writer that would sleep through a minute-long burst: only hurrying it gets anything written in a test.
PATIENT = questionlog.Tuning(quiet=60.0, linger_max=60.0)


def test_a_burst_is_written_by_itself_once_it_is_over(log: QuestionLog, matcher: Matcher) -> None:
    result = matcher.ask("why didnt china send troops")
    refs = [log.ask(result, via="slash", guild_id=42, knowledge=matcher.kb.version, limit=300) for _ in range(30)]
    deadline = time.monotonic() + 10
    while questionlog.lookup(log.path, refs[-1]) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(rows(log.path, "SELECT ref FROM questions")) == sorted((ref,) for ref in refs)


def test_flush_and_close_write_at_once_however_long_the_writer_would_wait(tmp_path: Path, matcher: Matcher) -> None:
    log = QuestionLog(tmp_path, keep_days=90, tuning=PATIENT).start()
    log.record(asked(matcher, "why didnt china send troops", "flushed"))
    assert log.flush(timeout=10)
    assert rows(log.path, "SELECT ref FROM questions") == [("flushed",)]
    log.record(asked(matcher, "china", "closed"))
    log.close(timeout=10)
    assert rows(log.path, "SELECT ref FROM questions ORDER BY ref") == [("closed",), ("flushed",)]


def test_a_backlog_longer_than_a_batch_is_written_batch_after_batch(tmp_path: Path, matcher: Matcher) -> None:
    log = QuestionLog(tmp_path, keep_days=90, tuning=questionlog.Tuning(batch_max=10)).start()
    for number in range(35):
        log.record(asked(matcher, "why didnt china send troops", f"r{number:02d}"))
    assert log.flush(timeout=10)
    log.close()
    assert rows(log.path, "SELECT ref FROM questions ORDER BY ref") == [(f"r{number:02d}",) for number in range(35)]


def test_a_question_asked_a_moment_ago_is_found_for_its_thumbs_down(tmp_path: Path, matcher: Matcher) -> None:
    log = QuestionLog(tmp_path, keep_days=90, tuning=PATIENT).start()
    try:
        question = f"why didnt <@{USER_ID}> china send troops"
        ref = log.ask(matcher.ask(question), via="slash", guild_id=42, knowledge=matcher.kb.version, limit=300)
        found = log.lookup(ref)
    finally:
        log.close()
    assert found is not None and found.ref == ref
    assert (found.question, found.outcome, found.entry) == (
        "why didnt @someone china send troops",
        "answered",
        matcher.ask(question).id,
    )


# --- when the file cannot be written: one log line, and recording never raises ---------------------------


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kzbot.questionlog" and r.levelno >= logging.WARNING]


def record_a_burst(log: QuestionLog, matcher: Matcher) -> None:
    for number in range(20):
        log.record(asked(matcher, "why didnt china send troops", f"r{number}"))
        assert log.flush()


def test_a_full_disk_is_logged_once(tmp_path: Path, matcher: Matcher, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "kzbot.sqlite3").symlink_to("/dev/full")  # every write fails with "No space left on device"
    log = QuestionLog(tmp_path, keep_days=90).start()
    record_a_burst(log, matcher)
    log.close()
    assert len(warnings_of(caplog)) == 1, warnings_of(caplog)
    assert "database or disk is full" in warnings_of(caplog)[0]


def test_a_state_dir_that_is_not_a_folder_is_logged_once(
    tmp_path: Path, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "state").write_text("not a folder")
    log = QuestionLog(tmp_path / "state", keep_days=90).start()
    record_a_burst(log, matcher)
    log.close()
    assert len(warnings_of(caplog)) == 1, warnings_of(caplog)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders anyway")
def test_a_read_only_state_dir_is_logged_once(
    tmp_path: Path, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.chmod(0o555)
    try:
        log = QuestionLog(tmp_path, keep_days=90).start()
        record_a_burst(log, matcher)
        log.close()
    finally:
        tmp_path.chmod(0o755)
    assert len(warnings_of(caplog)) == 1, warnings_of(caplog)


READ_ONLY_BURST = """
import logging, sys, time
from pathlib import Path
from kzbot.questionlog import Asked, QuestionLog
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
log = QuestionLog(Path(sys.argv[1]), keep_days=90).start()
for n in range(20):
    log.record(Asked(f"r{n}", time.time(), "slash", None, "why didnt china send troops", "answered",
                     "why-no-troops", 90.0, (), "v1"))
    assert log.flush()
log.close()
print("answered all 20")
"""


def _read_only_mount_works(folder: Path) -> bool:
    probe = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && ! touch {folder}/probe"
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", probe], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def test_a_state_dir_on_a_read_only_mount_is_logged_once(tmp_path: Path) -> None:
    # Root ignores folder permissions, so the folder is made read-only the way a container's file system is:
    # bind-mounted read-only, in a mount namespace of this test's own.
    state = tmp_path / "state"
    state.mkdir()
    if not _read_only_mount_works(state):
        pytest.skip("no mount namespace here (unshare -m) to make a read-only folder")
    script = tmp_path / "burst.py"
    script.write_text(READ_ONLY_BURST)
    mount = f"mount --bind {state} {state} && mount -o remount,ro,bind {state}"
    command = f'{mount} && exec "{sys.executable}" {script} {state}'
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "answered all 20"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, result.stderr
    assert not list(state.iterdir())


def test_a_log_that_becomes_writable_again_says_so(
    tmp_path: Path, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kzbot.questionlog")
    link = tmp_path / "kzbot.sqlite3"
    link.symlink_to("/dev/full")
    log = QuestionLog(tmp_path, keep_days=90).start()
    record_a_burst(log, matcher)
    link.unlink()
    log.record(asked(matcher, "why didnt china send troops", "after"))
    assert log.flush()
    log.close()
    assert rows(link, "SELECT ref FROM questions") == [("after",)]
    assert any("writable again" in r.getMessage() for r in caplog.records)


WRITER = """
import sys, time
from pathlib import Path
from kzbot.questionlog import Asked, QuestionLog, Vote
state, name, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
log = QuestionLog(state, keep_days=90).start()
while not go.exists():
    time.sleep(0.001)
for n in range(count):
    log.record(Asked(f"{name}{n:05d}", time.time(), "slash", 1, f"question {n}", "declined", None, 0.0, (), "v"))
    log.record(Vote("shared", log.voter(n), "why-no-troops", 1 if name == "a" else -1, time.time()))
    if n % 7 == 0:
        time.sleep(0.001)  # arrive in many small batches, interleaved with the other process
log.close()
"""


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    go = tmp_path / "go"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name, "1500", str(go)], cwd=ROOT)
        for name in ("a", "b")
    ]
    go.touch()
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    path = tmp_path / questionlog.DATABASE_FILE
    assert rows(path, "SELECT count(*), count(DISTINCT ref) FROM questions") == [(3000, 3000)]
    assert rows(path, "SELECT count(*) FROM votes") == [(1500,)], "one vote per voter: the later one counts"
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=10, max_value=300))
def test_a_stored_question_holds_no_mention_or_id_and_fits_the_limit(question: str, limit: int) -> None:
    stored = questionlog.scrub(question, limit)
    assert len(stored) <= limit
    assert not re.search(r"<(@[!&]?|#)\d+>|\d{15}", stored)


def test_an_id_inside_a_word_is_replaced_too() -> None:
    assert questionlog.scrub(f"user{USER_ID}x said", 300) == "user#idx said"

"""The curator's review: counts, unanswered questions grouped, picks, votes; JSON and text; the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from kzbot import questionlog, review
from kzbot.matcher import Matcher
from kzbot.questionlog import DAY, Dismissal, Pick, QuestionLog, Vote

ROOT = Path(__file__).resolve().parent.parent
NOW = float(int(time.time()))  # the command line reviews up to the real now


@pytest.fixture
def state(tmp_path: Path, matcher: Matcher) -> Path:
    """A log with a day of traffic and one question from 40 days ago."""
    log = QuestionLog(tmp_path, keep_days=90, clock=lambda: NOW).start()
    version = matcher.kb.version

    def ask(question: str, ref: str, at: float = NOW - 3600) -> None:
        result = matcher.ask(question)
        log.record(questionlog.asked(result, ref=ref, via="slash", guild_id=1, knowledge=version, limit=300, at=at))

    ask("why didnt china send troops", "a1")
    ask("why didnt china send troops", "a2")
    ask("how many people were arrested", "g1")
    ask("How many people were arrested?", "g2")
    ask("how many ppl were arrested", "g3")
    ask("what is the best pizza topping", "d1")
    ask("china", "s1")  # suggestions, then a pick
    ask("china", "s2")  # suggestions, nobody picked
    ask("russia", "s3")  # suggestions, then "None of these"
    ask("what is the best pizza topping", "old", at=NOW - 40 * DAY)
    picked = matcher.ask("china").suggestions[0].id
    log.record(Pick("s1", log.voter(1), picked, NOW - 3000))
    log.record(Pick("s1", log.voter(2), picked, NOW - 3000))
    log.record(Dismissal("s3", log.voter(1), NOW - 3000))
    answered = matcher.ask("why didnt china send troops").id
    assert answered is not None
    log.record(Vote("a1", log.voter(1), answered, 1, NOW - 3000))
    log.record(Vote("a1", log.voter(2), answered, -1, NOW - 3000))
    log.record(Vote("a2", log.voter(2), answered, -1, NOW - 3000))
    assert log.flush()
    log.close()
    return tmp_path


def test_the_review_counts_groups_and_sorts(state: Path, matcher: Matcher) -> None:
    got = review.read(state / questionlog.DATABASE_FILE, now=NOW).to_json()
    assert got["questions"] == 10
    assert got["outcomes"] == {"answered": 2, "suggested": 3, "declined": 2, "gap": 3}
    unanswered = [(u["question"], u["count"], u["outcome"]) for u in got["unanswered"]]
    assert unanswered[0][1:] == (3, "gap") and "arrested" in unanswered[0][0].lower()
    assert ("what is the best pizza topping", 2, "declined") in unanswered
    assert ("china", 1, "suggested") in unanswered
    assert ("russia", 1, "none_of_these") in unanswered
    assert len(unanswered) == 4, "a picked suggestion is not unanswered; near-duplicates are one"
    assert got["picks"] == [{"question": "china", "id": matcher.ask("china").suggestions[0].id, "count": 2}]
    answered = matcher.ask("why didnt china send troops").id
    assert got["feedback"] == [{"id": answered, "up": 1, "down": 2}]
    assert all(u["last_seen"].endswith("Z") for u in got["unanswered"])


def test_days_limits_the_review_to_recent_questions(state: Path) -> None:
    recent = review.read(state / questionlog.DATABASE_FILE, days=30, now=NOW)
    assert recent.questions == 9
    pizza = next(u for u in recent.unanswered if "pizza" in u.question)
    assert pizza.count == 1


def test_the_text_form_gives_yaml_ready_phrasings_and_the_unanswered(state: Path, matcher: Matcher) -> None:
    text = review.to_text(review.read(state / questionlog.DATABASE_FILE, now=NOW))
    assert text.splitlines()[0] == "10 questions in the log: answered 2, suggested 3, declined 2, gap 3"
    block = text.split("\n  # ", 1)[1].split("\n\n", 1)[0]
    entry, pasted = block.split("\n", 1)
    assert entry == matcher.ask("china").suggestions[0].id
    assert yaml.safe_load(pasted) == {"phrasings": ["china"]}
    assert "     3×  how many people were arrested" in text.lower()
    assert "👎   2  👍   1  " + str(matcher.ask("why didnt china send troops").id) in text


def test_an_empty_log_gives_an_empty_review(tmp_path: Path) -> None:
    empty = review.read(tmp_path / "missing.sqlite3")
    assert empty.to_json() == {
        "questions": 0,
        "outcomes": {"answered": 0, "suggested": 0, "declined": 0, "gap": 0},
        "unanswered": [],
        "picks": [],
        "feedback": [],
    }


def test_the_review_reads_while_a_writer_holds_a_transaction(state: Path) -> None:
    writer = questionlog.connect(state / questionlog.DATABASE_FILE)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM questions")
    try:
        assert review.read(state / questionlog.DATABASE_FILE, now=NOW).questions == 10
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def run_cli(*args: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KZBOT_STATE_DIR": str(state_dir)}
    return subprocess.run(
        [sys.executable, "-m", "kzbot", "review", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )


def test_the_command_line_prints_one_json_object(state: Path) -> None:
    result = run_cli("--json", "--days", "30", state_dir=state)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert set(got) == {"questions", "outcomes", "unanswered", "picks", "feedback"}
    assert got["questions"] == 9


def test_the_command_line_without_a_log_says_so(tmp_path: Path) -> None:
    result = run_cli("--json", state_dir=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["questions"] == 0
    assert "no question log at" in result.stderr


@pytest.mark.parametrize("days", ["0", "soon"])
def test_a_bad_days_value_is_a_usage_error(days: str, tmp_path: Path) -> None:
    result = run_cli("--days", days, state_dir=tmp_path)
    assert result.returncode == 2
    assert "--days" in result.stderr and "Traceback" not in result.stderr


def test_one_servers_review_leaves_out_the_others(tmp_path: Path, matcher: Matcher) -> None:
    log = QuestionLog(tmp_path, keep_days=90).start()
    refs = {}
    for guild, question in ((1, "what is the best pizza topping"), (2, "how do I bake bread"), (2, "china")):
        refs[question] = log.ask(matcher.ask(question), via="slash", guild_id=guild, knowledge="v", limit=300)
    ours = log.ask(matcher.ask("why didnt china send troops"), via="slash", guild_id=2, knowledge="v", limit=300)
    theirs = log.ask(matcher.ask("why didnt china send troops"), via="slash", guild_id=1, knowledge="v", limit=300)
    log.vote(ours, 7, "why-no-troops", up=False)
    log.vote(theirs, 7, "why-no-troops", up=True)
    log.pick(refs["china"], 7, "why-no-troops")
    assert log.flush()
    log.close()
    second = review.read(log.path, guild_id=2)
    assert second.questions == 3
    assert [u.question for u in second.unanswered] == ["how do I bake bread"]
    assert [(f.up, f.down) for f in second.feedback] == [(0, 1)]
    assert [p.question for p in second.picks] == ["china"]
    everyone = review.read(log.path)
    assert everyone.questions == 5 and [(f.up, f.down) for f in everyone.feedback] == [(1, 1)]


def test_a_file_that_is_not_a_log_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / questionlog.DATABASE_FILE).write_bytes(b"this is not a database, just some text " * 100)
    result = run_cli(state_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("kzbot: cannot read the question log ") and len(result.stderr.splitlines()) == 1

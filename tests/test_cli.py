"""The command-line contract, run as a user (or another tool) runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASK_FIELDS = {"question", "answered", "id", "matched_question", "answer", "score", "sources", "suggestions"}
ACTOR_FIELDS = {"query", "found", "id", "name", "kind", "role", "summary", "sources", "mentioned_in", "suggestions"}


def kzbot(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, script: str | None = None):
    """Run `python -m kzbot ARGS` (or `python bot.py ARGS`) in the project with a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KZBOT_", "DISCORD_"))}
    command = [sys.executable, script] if script else [sys.executable, "-m", "kzbot"]
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**base, **(env or {})},
        timeout=60,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_check_prints_a_summary() -> None:
    result = kzbot("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("knowledge base OK: ") and " entries in " in result.stdout


def test_check_on_a_broken_base_lists_problems_and_exits_78(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    path = tmp_path / "knowledge" / "faq-troops.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("China verbally supported", "China loudly supported", 1))
    result = kzbot("check", env={"KZBOT_KNOWLEDGE_DIR": str(tmp_path / "knowledge")})
    assert result.returncode == 78
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert lines[0] == "kzbot: the knowledge base has 1 problem:"
    assert (
        "faq-troops.yaml" in lines[1] and "entry 'why-no-troops'" in lines[1] and "quote not found verbatim" in lines[1]
    )


def test_ask_prints_a_readable_answer_with_its_source() -> None:
    result = kzbot("ask", "why didnt china send soldiers to kazakhstan")
    assert result.returncode == 0
    assert result.stdout.startswith("Why didn't China send troops to Kazakhstan?")
    assert "Source" in result.stdout and "AP" in result.stdout


def test_ask_json_has_exactly_the_contract_fields() -> None:
    result = kzbot("ask", "--json", "why didnt china send soldiers to kazakhstan")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert set(data) == ASK_FIELDS
    assert data["answered"] is True and data["id"] == "why-no-troops"
    assert data["matched_question"] == "Why didn't China send troops to Kazakhstan?"
    assert 0 <= data["score"] <= 100
    first = data["sources"][0]
    assert set(first) == {"id", "headline", "outlet", "seed", "quote"}
    assert first["seed"] == "seeds/000_08e14830b33f8f90.txt" and first["outlet"] == "AP"
    assert first["quote"] in (ROOT / first["seed"]).read_text(encoding="utf-8")


def test_ask_json_for_an_off_topic_question_declines() -> None:
    data = json.loads(kzbot("ask", "--json", "what's the best pizza topping").stdout)
    assert data["answered"] is False and data["id"] is None and data["answer"] is None and data["sources"] == []


def test_ask_reads_standard_input_one_line_out_per_line_in() -> None:
    questions = [
        "why didnt china send troops",
        "",
        "x" * 10_000,
        "what did xi say on the phone on jan 10\x00\x07",
        "🇨🇳🤝🇰🇿❓",
        "لماذا لم ترسل الصين قوات",
        "@everyone <@&123> why did china not send troops",
        "who is tokaev",
    ]
    result = kzbot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0
    assert_no_traceback(result)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert all(set(r) == ASK_FIELDS for r in rows)
    assert [r["answered"] for r in rows] == [True, False, False, True, False, False, True, True]
    assert rows[0]["id"] == rows[6]["id"] == "why-no-troops"
    assert rows[7]["id"] == "actor:tokayev"


def test_ask_batch_without_json_prints_one_line_each() -> None:
    result = kzbot("ask", stdin="why didnt china send troops\n\nwhat is bitcoin\n")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("[why-no-troops] ")
    assert lines[1] == "(no answer: empty question)"
    assert lines[2].startswith("(no answer")


def test_ask_says_when_the_articles_are_known_not_to_answer() -> None:
    line = kzbot("ask", stdin="how many people were arrested in kazakhstan\n").stdout.strip()
    assert line == "(no answer: The articles do not say how many people were arrested or detained.)"
    data = json.loads(kzbot("ask", "--json", "how many people were arrested in kazakhstan").stdout)
    assert data["answered"] is False and data["id"] is None and data["answer"] is None
    assert [s["id"] for s in data["suggestions"]] == ["unrest-death-toll", "unrest-tokayev-grip"]
    shown = kzbot("ask", "how many people were arrested in kazakhstan").stdout
    assert "The articles don't say" in shown and "How many people died" in shown


def test_actor_json_finds_slips_and_misspellings() -> None:
    result = kzbot("actor", "--json", stdin="Tileuberdi\ntokaev\nVictor Oban\nwang\nnobody at all\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(set(r) == ACTOR_FIELDS for r in rows)
    assert [r["id"] for r in rows[:3]] == ["tileuberdi", "tokayev", "viktor-orban"]
    assert rows[0]["found"] and rows[0]["name"] == "Mukhtar Tileuberdi" and rows[0]["sources"]
    assert rows[1]["mentioned_in"], "Tokayev is mentioned by FAQ entries"
    assert not rows[3]["found"] and {"wang-yi", "wang-wenbin"} <= {s["id"] for s in rows[3]["suggestions"]}
    assert not rows[4]["found"]


def test_actor_prints_one_readable_line() -> None:
    result = kzbot("actor", "rana mitter")
    assert result.returncode == 0
    assert result.stdout.startswith("[rana-mitter] Rana Mitter — ")


@pytest.mark.parametrize(
    "args",
    [("ask", "--bogus", "q"), ("nonsense",), ("eval",), ("actor", "a", "b")],
)
def test_usage_errors_exit_2_without_a_traceback(args: tuple[str, ...]) -> None:
    result = kzbot(*args)
    assert result.returncode == 2
    assert_no_traceback(result)
    assert "usage:" in result.stderr


def test_bad_setting_names_the_variable_and_exits_78() -> None:
    result = kzbot("check", env={"KZBOT_GUILD_IDS": "abc"})
    assert result.returncode == 78
    assert "KZBOT_GUILD_IDS" in result.stderr
    assert_no_traceback(result)


def test_bot_without_token_and_terminal_exits_78_naming_the_token(tmp_path: Path) -> None:
    result = kzbot(script="bot.py", stdin="", env={"HOME": str(tmp_path)})
    assert result.returncode == 78
    assert "DISCORD_TOKEN" in result.stderr
    assert_no_traceback(result)


def test_bot_help_lists_every_setting() -> None:
    result = kzbot("--help", script="bot.py")
    assert result.returncode == 0
    config = (ROOT / "kzbot" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"((?:KZBOT|DISCORD)_[A-Z_]+)"', config))
    assert len(names) >= 15, "config.py names its variables"
    for name in names:
        assert name in result.stdout, name


def test_console_answers_questions_from_standard_input() -> None:
    result = kzbot("run", "--console", stdin="why didnt china send troops\nactor tokaev\nquit\n")
    assert result.returncode == 0
    assert "Why didn't China send troops to Kazakhstan?" in result.stdout
    assert "Kassym-Jomart Tokayev" in result.stdout


def test_eval_reports_rates_and_misses() -> None:
    result = kzbot("eval", "tests/data/eval-tune.yaml", "--misses", "3")
    assert result.returncode == 0
    assert result.stdout.startswith("tests/data/eval-tune.yaml: answered ")


def test_ask_explain_prints_each_stage_before_the_answer() -> None:
    result = kzbot("ask", "--explain", "why didnt china send troups")
    assert result.returncode == 0
    stages = [line.split()[0] for line in result.stdout.splitlines()[:4]]
    assert stages == ["reading", "evidence", "relevance", "decision"]
    assert "troups→troops" in result.stdout
    assert "Why didn't China send troops to Kazakhstan?" in result.stdout


def test_ask_explain_json_adds_a_trace_to_the_contract() -> None:
    data = json.loads(kzbot("ask", "--json", "--explain", "how many people were arrested").stdout)
    assert set(data) == ASK_FIELDS | {"trace"}
    assert [step["stage"] for step in data["trace"]][-1] == "decision"
    assert data["trace"][-1]["status"] == "gap" and data["answered"] is False
    plain = json.loads(kzbot("ask", "--json", "how many people were arrested").stdout)
    assert set(plain) == ASK_FIELDS


def test_eval_with_fewer_phrasings_scores_as_if_the_rest_were_gone() -> None:
    full = kzbot("eval", "tests/data/eval-dev-1.yaml", "--misses", "0")
    few = kzbot("eval", "tests/data/eval-dev-1.yaml", "--misses", "0", "--max-phrasings", "0")
    assert full.returncode == few.returncode == 0
    rate = lambda out: float(re.search(r"answered \d+/\d+ \(([\d.]+)%\)", out).group(1))  # noqa: E731
    assert rate(few.stdout) < rate(full.stdout)
    bad = kzbot("eval", "tests/data/eval-dev-1.yaml", "--max-phrasings", "many")
    assert bad.returncode == 2 and "whole number" in bad.stderr

"""Shared fixtures: the shipped knowledge base and its matcher, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzbot import knowledge
from kzbot.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent
ACCURACY = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def kb() -> knowledge.KnowledgeBase:
    return knowledge.load(ROOT / "knowledge", ROOT / "seeds")


@pytest.fixture(scope="session")
def matcher(kb: knowledge.KnowledgeBase) -> Matcher:
    return Matcher(kb)


@pytest.fixture
def accuracy_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines added here are printed at the end of the run, whatever the outcome."""
    return request.config.stash.setdefault(ACCURACY, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the evaluation report (accuracy on each half, and the misses) at the end of every run."""
    lines = terminalreporter.config.stash.get(ACCURACY, [])
    if lines:
        terminalreporter.section("answer accuracy on the labelled questions")
        for line in lines:
            terminalreporter.write_line(line)

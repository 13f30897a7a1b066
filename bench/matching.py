"""Matching latency: kzbot's Matcher against naive rapidfuzz baselines on the same queries.

The baseline is what one would write with no index: `process.extractOne` (or `extract` for autocomplete)
over every raw phrasing or name, with `utils.default_process` and `fuzz.WRatio` run on each call. On the shipped
knowledge base, `ask` is also timed against the uncurated baseline: `extractOne` with `token_set_ratio` over the
raw paragraphs of the five articles.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

from bench import queries
from kzbot.knowledge import KnowledgeBase
from kzbot.matcher import Matcher

MIN_PARAGRAPH_WORDS = 8  # shorter lines of a seed are headlines, bylines and captions, not paragraphs


def article_paragraphs(seeds: Path) -> list[str]:
    """The articles' paragraphs, as the seed files hold them."""
    lines = (line.strip() for path in sorted(seeds.glob("*.txt")) for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if len(line.split()) >= MIN_PARAGRAPH_WORDS]


class Paragraphs:
    """The uncurated baseline: the closest raw paragraph of the articles, by token-set ratio."""

    def __init__(self, seeds: Path) -> None:
        self.paragraphs = article_paragraphs(seeds)

    def ask(self, text: str) -> object:
        return process.extractOne(text, self.paragraphs, scorer=fuzz.token_set_ratio, processor=utils.default_process)


# Dense actor-name matrix the Matcher builds: (distinct name words) × (names) float64.


@dataclass(frozen=True)
class Timing:
    """Latencies of one operation over `n` queries, in seconds."""

    n: int
    p50: float
    p99: float
    capped: bool  # stopped by the time budget before all queries ran

    @staticmethod
    def of(samples: Sequence[float], capped: bool) -> Timing:
        values = np.array(samples, dtype=np.float64)
        return Timing(len(values), float(np.percentile(values, 50)), float(np.percentile(values, 99)), capped)


@dataclass(frozen=True)
class OpResult:
    op: str  # ask | actor | complete
    kzbot: Timing
    baseline: Timing


@dataclass(frozen=True)
class SizeResult:
    label: str
    entries: int
    actors: int
    phrasings: int
    build_seconds: float
    ops: tuple[OpResult, ...]
    note: str = ""

    def op(self, name: str) -> OpResult:
        return next(o for o in self.ops if o.op == name)


def time_calls(func: Callable[[str], object], inputs: Sequence[str], budget: float, minimum: int = 3) -> Timing:
    """Call `func` on each input in turn, timing each call, until the inputs or the budget run out."""
    for text in inputs[:3]:  # warm caches and lazy imports
        func(text)
    samples: list[float] = []
    gc.collect()
    started = time.perf_counter()
    capped = False
    for text in inputs:
        t0 = time.perf_counter()
        func(text)
        samples.append(time.perf_counter() - t0)
        if len(samples) >= minimum and time.perf_counter() - started > budget:
            capped = len(samples) < len(inputs)
            break
    return Timing.of(samples, capped)


class Baseline:
    """No precomputation: every call processes and scores every raw string."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.phrasings = [p for e in kb.entries.values() for p in (e.question, *e.phrasings)]
        self.names = [n for a in kb.actors.values() for n in (a.name, *a.aliases)]

    def ask(self, text: str) -> object:
        return process.extractOne(text, self.phrasings, scorer=fuzz.WRatio, processor=utils.default_process)

    def actor(self, text: str) -> object:
        return process.extractOne(text, self.names, scorer=fuzz.WRatio, processor=utils.default_process)

    def complete(self, text: str) -> object:
        return process.extract(text, self.phrasings, scorer=fuzz.WRatio, processor=utils.default_process, limit=25)


def measure_size(
    label: str,
    kb: KnowledgeBase,
    *,
    count: int,
    budget: float,
    baseline_budget: float,
    note: str = "",
    log: Callable[[str], None] = print,
    seeds: Path | None = None,
) -> SizeResult:
    """Build the index for `kb`, then time ask, actor and complete, and the baseline on the same inputs."""
    gc.collect()
    t0 = time.perf_counter()
    matcher = Matcher(kb)
    build = time.perf_counter() - t0
    log(f"  {label}: index built in {build:.2f} s")
    baseline = Baseline(kb)
    inputs = {
        "ask": queries.questions(kb, count),
        "actor": queries.names(kb, count),
        "complete": queries.typed(kb, count),
    }
    ops = []
    for op, texts in inputs.items():
        mine = time_calls(getattr(matcher, op), texts, budget)
        theirs = time_calls(getattr(baseline, op), texts, baseline_budget)
        log(
            f"    {op:8} p50 {fmt_time(mine.p50):>9} p99 {fmt_time(mine.p99):>9} (n={mine.n});"
            f" baseline p50 {fmt_time(theirs.p50)} (n={theirs.n})"
        )
        ops.append(OpResult(op, mine, theirs))
        if op == "ask" and seeds is not None:
            paragraphs = Paragraphs(seeds)
            raw = time_calls(paragraphs.ask, texts, baseline_budget)
            log(f"    ask vs the {len(paragraphs.paragraphs)} raw paragraphs: baseline p50 {fmt_time(raw.p50)}")
            ops.append(OpResult("paragraphs", mine, raw))
    phrasings = sum(1 + len(e.phrasings) for e in kb.entries.values())
    return SizeResult(label, len(kb.entries), len(kb.actors), phrasings, build, tuple(ops), note)


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"


def fmt_signed(seconds: float) -> str:
    """A difference of times, with its sign: "+0.1 ms", "−40 µs"."""
    return ("+" if seconds >= 0 else "−") + fmt_time(abs(seconds))

"""Matching latency: kzbot's Matcher against a naive rapidfuzz baseline on the same queries.

The baseline is what one would write with no index: `process.extractOne` (or `extract` for autocomplete)
over every raw phrasing or name, with `utils.default_process` and `fuzz.WRatio` run on each call.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
from rapidfuzz import fuzz, process, utils

from bench import queries
from bench.synthetic import synthetic_kb
from kzbot.knowledge import Actor, KnowledgeBase
from kzbot.matcher import Matcher
from kzbot.text import ascii_fold

# Dense actor-name matrix the Matcher builds: (distinct name words) × (names) float64.
NAME_MATRIX_LIMIT = 1 << 30


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


def _actor_names(actor: Actor) -> list[str]:
    return [ascii_fold(n) for n in (actor.name, *actor.aliases, actor.role)]


def name_matrix_bytes(kb: KnowledgeBase) -> int:
    """What the Matcher's dense actor-name matrix would take for this knowledge base."""
    names = [n for a in kb.actors.values() for n in _actor_names(a)]
    words = {w for n in names for w in n.split()}
    return len(words) * len(names) * 8


def capped_synthetic(base: KnowledgeBase, size: int) -> tuple[KnowledgeBase, str]:
    """A synthetic knowledge base of `size` entries whose actor-name matrix fits in NAME_MATRIX_LIMIT.

    Actors grow with the entries; where the Matcher's dense name matrix would outgrow the limit, the actor
    table stops at the largest count that fits, and the note says so.
    """
    kb = synthetic_kb(base, size)
    words: set[str] = set()
    names = kept = 0
    for actor in kb.actors.values():
        own = _actor_names(actor)
        grown = words.union(w for n in own for w in n.split())
        if len(grown) * (names + len(own)) * 8 > NAME_MATRIX_LIMIT:
            break
        words, names, kept = grown, names + len(own), kept + 1
    if kept == len(kb.actors):
        return kb, ""
    actors = MappingProxyType(dict(list(kb.actors.items())[:kept]))
    note = f"actors held at {kept:,} of {len(kb.actors):,}, the most whose dense name matrix fits in 1 GiB"
    return replace(kb, actors=actors), note


def measure_size(
    label: str,
    kb: KnowledgeBase,
    *,
    count: int,
    budget: float,
    baseline_budget: float,
    note: str = "",
    log: Callable[[str], None] = print,
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
    phrasings = sum(1 + len(e.phrasings) for e in kb.entries.values())
    return SizeResult(label, len(kb.entries), len(kb.actors), phrasings, build, tuple(ops), note)


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"

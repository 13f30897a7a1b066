"""`python -m bench`: run every benchmark once, print one table, and write it to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import itertools
import math
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import queries, startup
from bench.matching import SizeResult, fmt_signed, fmt_time, measure_size
from bench.synthetic import synthetic_kb
from kzbot import knowledge
from kzbot.matcher import Matcher

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC = REPO_ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
MB = 1_000_000

SIZES = (1_000, 10_000, 100_000)
LEVELS = ((1, 200), (50, 500), (500, 1_000))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="synthetic sizes (entries)")
    parser.add_argument("--queries", type=int, default=1_000, help="queries per operation and size")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds per operation and size at most")
    parser.add_argument("--no-e2e", action="store_true", help="skip the bot start-up and end-to-end runs")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    kb = knowledge.load(REPO_ROOT / "knowledge", REPO_ROOT / "seeds")
    say(f"knowledge base: {kb.summary()}")

    say("start-up: python -m kzbot check")
    check = startup.measure_check()

    say("matching")
    sizes = [
        measure_size(
            "shipped",
            kb,
            count=max(args.queries, 1_000),
            budget=args.budget * 2,
            baseline_budget=args.budget,
            log=say,
            seeds=REPO_ROOT / "seeds",
        )
    ]
    for size in args.sizes:
        synthetic = synthetic_kb(kb, size)
        sizes.append(
            measure_size(
                f"{size:,}", synthetic, count=args.queries, budget=args.budget, baseline_budget=args.budget / 2,
                log=say,
            )
        )  # fmt: skip
        del synthetic

    ready = loads = None
    e2e_error = ""
    if not args.no_e2e:
        say("end to end: python bot.py against the local Discord stand-in")
        try:
            from bench import endtoend

            ready, loads = endtoend.run(queries.questions(kb, 500), ready_runs=3, levels=LEVELS)
        except Exception as exc:  # the bot not reaching READY is a result to report, not a crash
            e2e_error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            say(f"  end to end not measured: {e2e_error}")

    say("question log: the review, and the answer path with recording off and on")
    from bench import questionlog

    review_timing = questionlog.measure_review(Matcher(kb))
    record_call = questionlog.measure_record_call(Matcher(kb))
    recording = None
    if not args.no_e2e and not e2e_error:
        recording = questionlog.measure_recording(queries.questions(kb, 500), log=say)

    table = render_table(sizes, check, ready, loads, e2e_error, review_timing, record_call, recording)
    took = time.perf_counter() - began
    print()
    print(table)
    print(f"\n(benchmark took {took:.0f} s)")
    if not args.no_write:
        write_doc(table, took, argv)
        say(f"written to {DOC.relative_to(REPO_ROOT)}")
    return 0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------- table


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


Row = tuple[str, str, str, str, str]


def row(measure: str, kzbot: str = "", baseline: str = "", speedup: str = "", target: str = "") -> Row:
    return (measure, kzbot, baseline, speedup, target)


def render_table(
    sizes: list[SizeResult],
    check: startup.Startup,
    ready: object | None,
    loads: list | None,
    e2e_error: str,
    review_timing: object | None = None,
    record_call: float | None = None,
    recording: list | None = None,
) -> str:
    rows: list[Row] = []
    for result in sizes:
        if result.label == "shipped":
            where = f"shipped KB ({result.entries} entries, {result.actors} actors)"
        else:
            where = f"{result.entries:,} entries ({result.actors:,} actors)"
        rows.append(row(f"index build, {where}, {result.phrasings:,} phrasings", fmt_time(result.build_seconds)))
        for op in result.ops:
            mine, theirs = op.kzbot, op.baseline
            target = ""
            if result.label == "shipped" and op.op == "ask":
                target = f"p50 ≤ 0.4 ms {mark(mine.p50 <= 0.4e-3)}"
            elif op.op == "paragraphs":
                p50, p99 = mark(mine.p50 < theirs.p50), mark(mine.p99 < theirs.p99)
                target = f"below the raw-paragraph baseline: p50 {p50}, p99 {p99}"
            elif result.label == "shipped" and op.op == "complete":
                target = f"p99 ≤ 1 ms {mark(mine.p99 <= 1e-3)}"
            elif result.entries == 10_000 and op.op == "ask":
                target = f"p99 ≤ 10 ms {mark(mine.p99 <= 10e-3)}"
            name = {
                "ask": "ask",
                "paragraphs": "ask, against extractOne over the raw article paragraphs",
                "actor": "actor",
                "complete": "autocomplete",
            }[op.op]
            rows.append(
                row(
                    f"  {name} p50 / p99 (n={mine.n})",
                    f"{fmt_time(mine.p50)} / {fmt_time(mine.p99)}",
                    f"{fmt_time(theirs.p50)} / {fmt_time(theirs.p99)} (n={theirs.n})",
                    f"{theirs.p50 / mine.p50:.1f}×" if mine.p50 else "",
                    target,
                )
            )
        if result.note:
            rows.append(row(f"  note: {result.note}"))
    rows.extend(growth_rows(sizes))
    runs = f"median of {check.runs}"
    ok = check.median_seconds <= 1.0
    rows.append(
        row(f"start-up to KB validated (`python -m kzbot check`, {runs})", f"{check.median_seconds:.2f} s",
            target=f"≤ 1 s {mark(ok)}")
    )  # fmt: skip
    rows.append(
        row(
            "peak RSS of `python -m kzbot check`",
            megabytes(check.peak_rss_bytes),
            target=rss_target(check.peak_rss_bytes),
        )
    )
    if ready is not None and loads is not None:
        rows.append(
            row(f"start-up to READY on the stand-in (`python bot.py`, median of {ready.runs})",
                f"{ready.median_seconds:.2f} s")
        )  # fmt: skip
        rows.append(row("bot RSS at READY", megabytes(ready.rss_bytes), target=rss_target(ready.rss_bytes)))
        for load in loads:
            target = f"all answered {mark(load.answered == load.sent)}" if load.in_flight >= 500 else ""
            figures = (
                f"{load.answered}/{load.sent}, {load.per_second:.0f}/s, {fmt_time(load.p50)} / {fmt_time(load.p99)}"
            )
            rows.append(
                row(f"end to end, {load.in_flight} in flight: answered, rate, p50 / p99", figures, target=target)
            )
        peak = max(load.rss_bytes for load in loads)
        rows.append(row("bot peak RSS after the load", megabytes(peak), target=rss_target(peak)))
    else:
        rows.append(row(f"end to end: not measured ({e2e_error or 'skipped'})"))
    rows.extend(question_log_rows(review_timing, record_call, recording))
    header = ("measure", "kzbot", "naive baseline", "speed-up", "target")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |" for cells in rows]
    return "\n".join(lines)


def question_log_rows(review_timing: object | None, record_call: float | None, recording: list | None) -> list[Row]:
    """The review's time over 10,000 recorded questions, and answer latency with recording off beside on."""
    rows = []
    if record_call is not None:
        rows.append(row("recording one question, on the answering task (mean of 2,000)", fmt_time(record_call)))
    if review_timing is not None:
        timing: Any = review_timing
        rows.append(
            row(
                f"`kzbot review` of {timing.questions:,} recorded questions ({timing.unanswered_groups} unanswered "
                f"groups), median of {timing.runs}",
                f"{timing.median_seconds:.2f} s",
                target=f"≤ 1 s {mark(timing.max_seconds <= 1.0)}",
            )
        )
    for cost in recording or []:
        p50, p99 = cost.p50, cost.p99
        rows.append(
            row(
                f"end to end, {cost.in_flight} in flight, recording on (off): p50 / p99, median of {cost.pairs} "
                "interleaved runs each",
                f"{fmt_time(p50.on)} / {fmt_time(p99.on)}",
                f"{fmt_time(p50.off)} / {fmt_time(p99.off)} (recording off)",
                target=f"all answered {mark(cost.all_answered)}",
            )
        )
        rows.append(
            row(
                "  on − off, pair by pair: median difference (smallest to largest), p50 / p99",
                f"{spread(p50)} / {spread(p99)}",
                target=f"on slower in {p50.on_slower} / {p99.on_slower} of {cost.pairs} pairs",
            )
        )
    return rows


def spread(paired: Any) -> str:
    return f"{fmt_signed(paired.difference)} ({fmt_signed(paired.smallest)} to {fmt_signed(paired.largest)})"


def megabytes(value: int) -> str:
    return f"{value / MB:.0f} MB"


def rss_target(value: int) -> str:
    return f"≤ 100 MB {mark(value <= 100 * MB)}"


def growth_rows(sizes: list[SizeResult]) -> list[Row]:
    """Growth between consecutive synthetic sizes; no worse than linear (time ×10 for entries ×10) is the target."""
    synthetic = [s for s in sizes if s.label != "shipped"]
    rows = []
    for small, large in itertools.pairwise(synthetic):
        factor = large.entries / small.entries
        pairs = [("index build", small.build_seconds, large.build_seconds)]
        pairs += [(f"{op} p50", small.op(op).kzbot.p50, large.op(op).kzbot.p50) for op in ("ask", "actor", "complete")]
        for name, a, b in pairs:
            grew = b / a if a else math.inf
            rows.append(
                row(
                    f"growth {small.entries:,} → {large.entries:,} entries (×{factor:.0f}): {name}",
                    f"×{grew:.1f}",
                    target=f"≤ ×{factor:.0f} {mark(grew <= factor)}",
                )
            )
    return rows


# --------------------------------------------------------------------------------------------------- doc


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    import os

    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()} on {platform.system()}"


def write_doc(table: str, took: float, argv: Sequence[str] | None) -> None:
    command = "make bench" if not argv else "python -m bench " + " ".join(argv)
    block = "\n".join(
        [
            START,
            f"Machine: {machine()}. Command: `{command}` (took {took:.0f} s), on {time.strftime('%Y-%m-%d')}.",
            "",
            table,
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START in text and END in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

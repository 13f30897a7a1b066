"""Order each entry's phrasings by what people ask: first the phrasing closest to the most labelled questions
that the entry's question is not already close to, then the one that adds the most after it, and so on. With
--write, the knowledge files are rewritten in that order (same phrasings, nothing else touched).

    python -m kzbot.matching.order tests/data/eval-tune.yaml tests/data/eval-dev-*.yaml --write

An entry's first phrasings are what `eval --max-phrasings N` keeps and what an entry with few phrasings has, so
leading with those that cover the ways people actually ask makes a short list go further. Phrasings no labelled
question is closer to keep their order after the others. Use only development sets, as for fitting: ordering on a
set makes its figures with few phrasings no longer held out.

Closeness is rapidfuzz's token-set ratio between the question's stems and the phrasing's, as the matcher reads
both (synonyms rewritten, spelling corrected). Each step picks the phrasing that raises the sum, over the entry's
labelled questions, of the closest phrasing so far (the entry's question counting as the first): a phrasing as
close as one already picked adds nothing, so near-repeats go to the end.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from kzbot import knowledge
from kzbot.errors import KzbotError
from kzbot.evaluate import read_cases
from kzbot.knowledge import KnowledgeBase
from kzbot.matcher import Matcher
from kzbot.matching.reading import Reader, clean

ROOT = Path(__file__).resolve().parents[2]


def greedy_order(start: Sequence[float], rows: Sequence[Sequence[float]], count: int) -> list[int]:
    """The order of `count` phrasings. rows[q][p] is question q's closeness to phrasing p and start[q] its
    closeness to the entry's question. Ties, and phrasings that add nothing, keep their order."""
    best = list(start)
    left = list(range(count))
    order: list[int] = []
    while left:
        gains = [sum(max(0.0, row[p] - b) for row, b in zip(rows, best, strict=True)) for p in left]
        top = max(gains)
        if top <= 0:
            break
        pick = left.pop(gains.index(top))
        order.append(pick)
        best = [max(b, row[pick]) for row, b in zip(rows, best, strict=True)]
    return order + left


def propose(kb: KnowledgeBase, reader: Reader, paths: Sequence[Path]) -> dict[str, tuple[str, ...]]:
    """Every entry's phrasings in the proposed order, from the labelled questions in `paths`."""

    def stems(text: str) -> str:
        return " ".join(reader.read(clean(text)).stems)

    asked: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        for case in read_cases(path):
            if case.kind == "ask" and case.expect is not None and case.expect in kb.entries:
                asked[case.expect].append(stems(case.question))
    orders = {}
    for entry in kb.entries.values():
        phrasings = [stems(p) for p in entry.phrasings]
        question = stems(entry.question)
        rows = [[fuzz.token_set_ratio(q, p) for p in phrasings] for q in asked[entry.id]]
        start = [fuzz.token_set_ratio(q, question) for q in asked[entry.id]]
        order = greedy_order(start, rows, len(phrasings))
        orders[entry.id] = tuple(entry.phrasings[i] for i in order)
    return orders


def rewrite(text: str, orders: dict[str, tuple[str, ...]]) -> str:
    """A knowledge file's text with each listed entry's `phrasings:` items in the new order. Each item is one line;
    the file must read back with the same phrasings, each entry's in the new order."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    entry: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("- id:") or stripped.startswith("id:"):
            entry = str(yaml.safe_load(stripped.removeprefix("- ")).get("id"))
        if stripped == "phrasings:" and entry in orders:
            indent = line[: len(line) - len(line.lstrip())] + "  - "
            block = []
            while i + 1 < len(lines) and lines[i + 1].startswith(indent):
                i += 1
                block.append(lines[i])
            by_text = {str(yaml.safe_load(item.strip()[2:])): item for item in block}
            out.append(line)
            out.extend(by_text[p] for p in orders[entry] if p in by_text)
            i += 1
            continue
        out.append(line)
        i += 1
    return "".join(out)


class OrderError(KzbotError):
    """The phrasings could not be rewritten in the new order."""


def write(directory: Path, orders: dict[str, tuple[str, ...]]) -> list[Path]:
    """Rewrite the knowledge files whose phrasings move; returns them. Every file is checked before any is written:
    if one would not read back with each entry's phrasings in the new order (an item written over several lines),
    nothing is written."""
    rewritten = {}
    for path in sorted(directory.glob("faq-*.yaml")):
        text = path.read_text(encoding="utf-8")
        new = rewrite(text, orders)
        if new == text:
            continue
        for item in yaml.safe_load(new).get("entries", []):
            if tuple(item.get("phrasings", ())) != orders.get(item["id"], tuple(item.get("phrasings", ()))):
                raise OrderError(f"{path}: {item['id']}'s phrasings would not read back in the new order")
        rewritten[path] = new
    for path, new in rewritten.items():
        path.write_text(new, encoding="utf-8")
    return list(rewritten)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzbot.matching.order", description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="labelled development sets (YAML)")
    parser.add_argument("--write", action="store_true", help="rewrite the knowledge files in the new order")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge", help="the knowledge folder")
    args = parser.parse_args(argv)
    try:
        kb = knowledge.load(args.knowledge, ROOT / "seeds")
        orders = propose(kb, Matcher(kb).stages.reader, args.sets)
        moved = {key: order for key, order in orders.items() if order != kb.entries[key].phrasings}
        for key, order in moved.items():
            print(f"{key}: first now {order[0]!r}")
        print(f"{len(moved)} of {len(orders)} entries' phrasings would move")
        if args.write:
            for path in write(args.knowledge, orders):
                print(f"rewrote {path}")
    except KzbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

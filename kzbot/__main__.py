"""The command line: run | check | ask | actor | eval | health | review.

The only place that wires Settings → KnowledgeBase → Matcher → bot or console, and turns errors into exit
codes: 0 success (answered or not), 1 unhealthy or unexpected failure, 2 usage, 78 configuration or knowledge.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from kzbot import knowledge
from kzbot.config import Settings
from kzbot.errors import EX_CONFIG, EX_USAGE, ConfigError, KnowledgeError, KzbotError
from kzbot.matcher import ActorResult, AskResult, Matcher
from kzbot.settings_docs import help_text

PROG = "kzbot"
SETTINGS_HELP = help_text()


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and one line on usage errors (its default), and never with a traceback."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Answers questions about China's response to the January 2022 unrest in Kazakhstan.",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = commands.add_parser(
        "run",
        help="connect to Discord (DISCORD_TOKEN set) or open the offline console",
        description="Connect to Discord when DISCORD_TOKEN is set; otherwise, in a terminal, open the offline "
        "console. The knowledge base is loaded and validated first. Other commands: python -m kzbot "
        "{check,ask,actor,eval,health,review} --help.",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--console", action="store_true", help="open the offline console even if a token is set")
    commands.add_parser("check", help="validate the knowledge base and print a summary")
    for name, what in (("ask", "QUESTION"), ("actor", "NAME")):
        sub = commands.add_parser(
            name,
            help="answer a question" if name == "ask" else "look up a person or organisation",
            description=f"With {what}, print one answer; without it, read one per line from standard input and "
            "print one line per input line, in order.",
        )
        sub.add_argument(what.lower(), nargs="?", metavar=what, help=f"the {what.lower()}; omit to read standard input")
        sub.add_argument("--json", action="store_true", help="print JSON (one object per line)")
        if name == "ask":
            sub.add_argument(
                "--explain", action="store_true", help="show what each matching stage did (with --json: a trace list)"
            )
    evaluate = commands.add_parser("eval", help="measure the matcher on labelled questions (YAML {q, expect})")
    evaluate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    evaluate.add_argument("--misses", type=int, default=100, metavar="N", help="list at most N misses per file")
    evaluate.add_argument(
        "--max-phrasings",
        type=_count,
        default=None,
        metavar="N",
        help="score as if every entry had only its first N phrasings",
    )
    commands.add_parser("health", help="query the running bot's /healthz (KZBOT_HEALTH_PORT); exit 0 if healthy")
    review = commands.add_parser(
        "review",
        help="what members asked: unanswered questions, picks and votes, from the question log",
        description="Read the question log in KZBOT_STATE_DIR (read-only; safe while the bot runs) and print "
        "the picks as YAML lines to paste under an entry's phrasings, the unanswered questions, and the votes.",
    )
    review.add_argument("--json", action="store_true", help="print one JSON object")
    review.add_argument("--days", type=_days, metavar="N", help="only the last N days (default: all that is kept)")
    return parser


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("--days must be 1 or more")
    return days


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["run", *(argv or [])])
    try:
        return _dispatch(args)
    except KzbotError as exc:
        _fail(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings is None:
        return EX_CONFIG
    if args.command == "health":
        from kzbot.health import check_health

        if settings.health_port is None:
            _fail("KZBOT_HEALTH_PORT is not set, so there is no health endpoint to ask")
            return 1
        return check_health(settings.health_host, settings.health_port)
    if args.command == "review":
        return _review(settings, as_json=args.json, days=args.days)
    matcher = _load(settings)
    if matcher is None:
        return EX_CONFIG
    if args.command == "check":
        print(f"knowledge base OK: {matcher.kb.summary()}")
        return 0
    if args.command == "ask":
        return _batch(
            args.question,
            lambda q, batch: _ask_output(matcher, q, as_json=args.json, batch=batch, explain=args.explain),
        )
    if args.command == "actor":
        return _batch(args.name, lambda q, batch: _actor_output(matcher, q, as_json=args.json))
    if args.command == "eval":
        scored = matcher if args.max_phrasings is None else Matcher(matcher.kb, max_phrasings=args.max_phrasings)
        return _eval(scored, args.files, args.misses)
    return _run(settings, matcher, console=args.console)


def _settings() -> Settings | None:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        _fail(f"configuration error: {exc}")
        return None


def _load(settings: Settings) -> Matcher | None:
    try:
        kb = knowledge.load(settings.knowledge_dir, settings.seeds_dir)
    except KnowledgeError as exc:
        count = len(exc.problems)
        _fail(f"the knowledge base has {count} problem{'s' * (count != 1)}:")
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None
    return Matcher(kb)


def _run(settings: Settings, matcher: Matcher, *, console: bool) -> int:
    if settings.token and not console:
        from kzbot.bot import run as run_bot  # the only import of the Discord layer

        return run_bot(settings, matcher)
    if console or sys.stdin.isatty():
        from kzbot.console import run_console

        return run_console(matcher, sys.stdin, sys.stdout, connect_hint=not settings.token)
    _fail(
        "DISCORD_TOKEN is not set. Put the bot token in the environment or in .env to connect to Discord "
        "(or run in a terminal for the offline console)."
    )
    return EX_CONFIG


# ------------------------------------------------------------------------------------------- ask / actor


def _batch(single: str | None, answer: Callable[[str, bool], str]) -> int:
    """Answer one argument readably, or each line of standard input on one line of output, in order."""
    if single is not None:
        print(answer(single, False))
        return 0
    stdin: TextIO = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(errors="replace")
    for line in _lines(stdin):
        print(answer(line, True), flush=True)
    return 0


def _lines(stream: TextIO) -> Iterable[str]:
    for line in stream:
        yield line.rstrip("\r\n")


def _ask_output(matcher: Matcher, question: str, *, as_json: bool, batch: bool, explain: bool = False) -> str:
    result = matcher.ask(question, explain=explain)
    if as_json:
        data = ask_json(matcher, result)
        if explain:
            data["trace"] = [{"stage": t.stage, "summary": t.summary, **t.data} for t in result.trace]
        return json.dumps(data, ensure_ascii=False, default=float)
    trace = "".join(f"  {t.stage:<10} {t.summary}\n" for t in result.trace) if explain else ""
    if batch:
        return trace + ask_line(result)
    from kzbot import render

    return trace + render.card_to_text(render.ask_card(matcher.kb, result), numbered=False)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of phrasings (0 or more), not {text!r}")
    return value


def _actor_output(matcher: Matcher, name: str, *, as_json: bool) -> str:
    result = matcher.actor(name)
    if as_json:
        return json.dumps(actor_json(matcher, result), ensure_ascii=False)
    return actor_line(result)


def _source_json(matcher: Matcher, source_id: str, quote: str | None) -> dict[str, Any]:
    source = matcher.kb.sources[source_id]
    return {
        "id": source.id,
        "headline": source.headline,
        "outlet": source.outlet,
        "seed": source.seed_path,
        "quote": quote,
    }


def ask_json(matcher: Matcher, result: AskResult) -> dict[str, Any]:
    """The `ask --json` contract: question, answered, id, matched_question, answer, score, sources, suggestions."""
    matched = answer = None
    sources: list[dict[str, Any]] = []
    if result.answered and result.entry is not None:
        matched, answer = result.entry.question, result.entry.answer
        sources = [_source_json(matcher, q.source, q.quote) for q in result.entry.sources]
    elif result.answered and result.actor is not None:
        matched, answer = f"Who is {result.actor.name}?", result.actor.profile
        sources = _actor_sources(matcher, result.actor)
    return {
        "question": result.question,
        "answered": result.answered,
        "id": result.id if result.answered else None,
        "matched_question": matched,
        "answer": answer,
        "score": result.score,
        "sources": sources,
        "suggestions": [{"id": s.id, "question": s.label, "score": s.score} for s in result.suggestions],
    }


def _actor_sources(matcher: Matcher, actor: Any) -> list[dict[str, Any]]:
    quoted = actor.quote.source if actor.quote else None
    out = [_source_json(matcher, actor.quote.source, actor.quote.quote)] if actor.quote else []
    out += [_source_json(matcher, sid, None) for sid in actor.sources if sid != quoted]
    return out


def actor_json(matcher: Matcher, result: ActorResult) -> dict[str, Any]:
    """The `actor --json` contract: query, found, id, name, kind, role, summary, sources, mentioned_in, suggestions."""
    actor = result.actor if result.found else None
    return {
        "query": result.query,
        "found": result.found,
        "id": actor.id if actor else None,
        "name": actor.name if actor else None,
        "kind": actor.kind if actor else None,
        "role": actor.role if actor else None,
        "summary": actor.profile if actor else None,
        "sources": _actor_sources(matcher, actor) if actor else [],
        "mentioned_in": list(actor.mentioned_in) if actor else [],
        "suggestions": [
            {"id": s.id.removeprefix("actor:"), "name": s.label, "score": s.score} for s in result.suggestions
        ],
    }


def ask_line(result: AskResult) -> str:
    """One line per question, for batches read from standard input."""
    if result.answered and result.entry is not None:
        return f"[{result.entry.id}] {result.entry.answer}"
    if result.answered and result.actor is not None:
        return f"[actor:{result.actor.id}] {result.actor.name}: {result.actor.profile}"
    if result.suggestions and result.status == "suggest":
        return "(not sure) did you mean: " + " | ".join(s.label for s in result.suggestions)
    if result.gap is not None:
        return f"(no answer: {result.gap.note})"
    if result.reason == "missing_detail":
        from kzbot import render

        return f"(no answer: {render.detail_note(result.detail)})"
    reason = {
        "empty": "empty question",
        "too_long": "question too long",
        "unreadable": "no words I can read",
    }.get(result.reason or "", "not something the articles cover")
    return f"(no answer: {reason})"


def actor_line(result: ActorResult) -> str:
    if result.found and result.actor is not None:
        return f"[{result.actor.id}] {result.actor.name} — {result.actor.role}: {result.actor.profile}"
    if result.suggestions:
        return "(not found) did you mean: " + " | ".join(s.label for s in result.suggestions)
    return "(not found)"


def _eval(matcher: Matcher, files: list[Path], misses: int) -> int:
    from kzbot.evaluate import evaluate, read_cases, unknown_labels

    for path in files:
        cases = read_cases(path)
        unknown = unknown_labels(matcher, cases)
        if unknown:
            raise KzbotError(f"{path}: labels name no entry or actor: {', '.join(unknown)}")
        print("\n".join(evaluate(matcher, cases, str(path)).lines(misses)))
    return 0


def _review(settings: Settings, *, as_json: bool, days: int | None) -> int:
    import sqlite3

    from kzbot import review
    from kzbot.questionlog import DATABASE_FILE

    path = settings.state_dir / DATABASE_FILE
    if not path.is_file():
        _fail(f"no question log at {path} yet (see KZBOT_STATE_DIR and KZBOT_RECORD_QUESTIONS)")
    try:
        report = review.read(path, days=days)
    except sqlite3.Error as exc:
        raise KzbotError(f"cannot read the question log {path}: {exc}") from exc
    print(json.dumps(report.to_json(), ensure_ascii=False) if as_json else review.to_text(report))
    return 0


def _fail(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

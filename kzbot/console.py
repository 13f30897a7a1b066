"""The offline console: ask questions in a terminal, no Discord needed. Streams are injected for testing."""

from __future__ import annotations

import logging
import shutil
import textwrap
from typing import TYPE_CHECKING, TextIO

from kzbot import render

if TYPE_CHECKING:
    from kzbot.matcher import Matcher

_log = logging.getLogger(__name__)

PROMPT = "kzbot> "
QUIT_WORDS = frozenset({"quit", "exit", "q", ":q", "bye"})
CONNECT_HINT = "To run kzbot on Discord instead, set DISCORD_TOKEN (in the environment or in .env) and start it again."
CONSOLE_HELP = """\
Type a question and press Enter. Other commands:
  actor NAME     who someone is (for example: actor tokayev)
  faq [TOPIC]    browse the questions by topic
  sources        the five articles behind every answer
  timeline       the dated events
  help           this text
  1, 2, …        follow a numbered option from the last reply
  quit           leave (Ctrl-D works too)"""


class Console:
    """One console session: reads a line, prints a Card as text, remembers the last Card's buttons."""

    def __init__(self, matcher: Matcher, stdout: TextIO) -> None:
        self.matcher = matcher
        self.out = stdout
        self.options: tuple[render.Button, ...] = ()

    def handle(self, line: str) -> bool:
        """Answer one line of input; False when the user asked to leave."""
        text = line.strip()
        if not text:
            return True
        word, _, rest = text.removeprefix("/").partition(" ")
        command, rest = word.lower(), rest.strip()
        if command in QUIT_WORDS and not rest:
            return False
        if command == "help" and not rest:
            self._print_help()
        elif text.isdigit():
            self._follow(int(text))
        else:
            self._show(self._card(command, rest, text))
        return True

    def _card(self, command: str, rest: str, text: str) -> render.Card:
        kb = self.matcher.kb
        if command == "actor" and rest:
            return render.actor_result_card(kb, self.matcher.actor(rest))
        if command == "faq":
            return render.faq_card(kb, self._topic(rest), 0)
        if command == "sources" and not rest:
            return render.sources_card(kb)
        if command == "timeline" and not rest:
            return render.timeline_card(kb)
        if command == "ask" and rest:
            text = rest
        return render.ask_card(kb, self.matcher.ask(text))

    def _topic(self, text: str) -> str | None:
        """A topic id from an id or (part of) a title; unknown text passes through to get a "no such topic"."""
        if not text:
            return None
        wanted = text.lower()
        topics = self.matcher.kb.topics
        if wanted in topics:
            return wanted
        for topic in topics.values():
            if wanted in topic.title.lower():
                return topic.id
        return wanted

    def _follow(self, number: int) -> None:
        if not 1 <= number <= len(self.options):
            if self.options:
                self._write(f"Pick a number from 1 to {len(self.options)}, or type a question.")
            else:
                self._write("There is nothing numbered to pick; type a question.")
            return
        self._show(render.action_card(self.matcher, self.options[number - 1].custom_id))

    def _show(self, card: render.Card) -> None:
        self.options = card.buttons
        self._write(_wrap(render.card_to_text(card), shutil.get_terminal_size((100, 24)).columns))

    def _print_help(self) -> None:
        self._write(CONSOLE_HELP)

    def _write(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()


def run_console(matcher: Matcher, stdin: TextIO, stdout: TextIO, *, connect_hint: bool = True) -> int:
    """Read questions from `stdin` until quit or end of input; always returns 0."""
    console = Console(matcher, stdout)
    stdout.write(f"kzbot console — {render.SUBJECT}.\n{matcher.kb.summary()}\n")
    if connect_hint:
        stdout.write(CONNECT_HINT + "\n")
    stdout.write("Type a question, or help for commands.\n\n")
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            stdout.write("\n")
            break
        except (OSError, UnicodeDecodeError) as exc:
            stdout.write(f"\nCannot read input ({exc}).\n")
            break
        if not line:
            stdout.write("\n")
            break
        try:
            if not console.handle(line):
                break
        except KeyboardInterrupt:
            stdout.write("\n")
            continue
        except Exception:
            _log.exception("the console failed on %r", line[:200])
            stdout.write("Something went wrong with that one; it has been logged. Try another question.\n\n")
    stdout.write("Bye.\n")
    stdout.flush()
    return 0


def _wrap(text: str, columns: int) -> str:
    """Wrap long lines at word boundaries for the terminal, keeping each line's indent."""
    width = max(40, min(columns, 100) - 1)
    lines = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        lines.append(textwrap.fill(line, width, subsequent_indent=indent) if len(line) > width else line)
    return "\n".join(lines)

"""The few error types kzbot raises. Edges (CLI, bot) turn them into one line and an exit code."""

from __future__ import annotations

import os
from dataclasses import dataclass

EX_USAGE = 2
EX_CONFIG = getattr(os, "EX_CONFIG", 78)


@dataclass(frozen=True)
class Problem:
    """One located problem in the knowledge base: file, entry id, field, what is wrong."""

    file: str
    message: str
    entry: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.entry:
            parts.append(f"entry {self.entry!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return f"{', '.join(parts)}: {self.message}"


class KzbotError(Exception):
    """Base class: an expected failure with a message meant for a person."""

    exit_code = 1


class ConfigError(KzbotError):
    """A setting in the environment or .env is missing or malformed."""

    exit_code = EX_CONFIG


class KnowledgeError(KzbotError):
    """The knowledge base failed to load or validate. Holds every problem found, one per line."""

    exit_code = EX_CONFIG

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

"""What the matcher returns: plain data, no prose. Rendering decides the words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from kzbot.knowledge import Actor, Entry, Gap

AskStatus = Literal["answer", "suggest", "decline"]
ActorStatus = Literal["found", "suggest", "not_found"]
SuggestionKind = Literal["entry", "actor"]


@dataclass(frozen=True)
class Suggestion:
    id: str  # an entry id, or actor:<id> for an actor
    label: str
    score: float
    kind: SuggestionKind = "entry"


@dataclass(frozen=True)
class TraceStep:
    """What one stage made of the question, for `ask --explain`."""

    stage: str
    summary: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AskResult:
    question: str
    status: AskStatus
    score: float  # 0–100: the calibrated confidence that the answer is right, as a percentage
    entry: Entry | None = None
    actor: Actor | None = None
    suggestions: tuple[Suggestion, ...] = ()
    # why a question was declined: empty, too_long, unreadable, off_topic, not_covered (a known gap), missing_detail
    reason: str | None = None
    # The known gap (a question the articles do not answer) that this question matched, if any.
    gap: Gap | None = None
    # The kind of detail ("number", "date") the question asks for and its nearest entry does not give.
    detail: str | None = None
    # Entries close to the answer, offered beside it ("Also: …").
    also: tuple[Suggestion, ...] = ()
    trace: tuple[TraceStep, ...] = ()

    @property
    def answered(self) -> bool:
        return self.status == "answer"

    @property
    def id(self) -> str | None:
        if self.entry is not None:
            return self.entry.id
        if self.actor is not None:
            return f"actor:{self.actor.id}"
        return None


@dataclass(frozen=True)
class ActorResult:
    query: str
    status: ActorStatus
    score: float
    actor: Actor | None = None
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def found(self) -> bool:
        return self.status == "found"

"""The fields of every kind of knowledge record, declared once.

The loader (kzbot.knowledge) checks each record against its spec, and the JSON Schemas in `schemas/` that
give curators completion and errors in their editor are made from the same specs (`make schemas`). Checks
that span records (references, verbatim quotes, clashing phrasings) stay in the loader; a spec names the
kind of record a field refers to, and the schema describes it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FieldType = Literal["id", "text", "texts", "quotes", "quote", "date", "bool", "covers"]
Reference = Literal["source", "entry", "actor"]

MAX_ANSWER = 300
MAX_DETAILS = 1000
MAX_PROFILE = 300
MAX_QUOTE = 400
MAX_NOTE = 200
MAX_TITLE = 100
MIN_PHRASINGS, MAX_PHRASINGS = 4, 40
MIN_UNANSWERED_PHRASINGS = 2
ACTOR_KINDS = ("person", "organisation", "media")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
SCHEMA_DIR_NAME = "schemas"


@dataclass(frozen=True)
class Field:
    """One field of a record: its type, whether it is required, its limits, what it refers to."""

    name: str
    type: FieldType
    description: str
    required: bool = False
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    # A list given but empty gets this message (the loader's wording for the field).
    if_empty: str | None = None
    refers_to: Reference | None = None
    choices: tuple[str, ...] = ()
    ends_with: str | None = None


@dataclass(frozen=True)
class RecordSpec:
    """A kind of record: what a curator calls one, its fields in order, and which must read cleanly for the
    record to be kept for the cross-checks (the others are reported but do not drop it)."""

    what: str
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...]

    @property
    def allowed(self) -> tuple[str, ...]:
        """Field names as problems list them: required ones first, each group in declared order."""
        return tuple(f.name for f in self.fields if f.required) + tuple(f.name for f in self.fields if not f.required)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


@dataclass(frozen=True)
class FileSpec:
    """A kind of knowledge file: a mapping whose `list_key` holds records of one spec."""

    schema: str
    title: str
    list_key: str
    record: RecordSpec
    top_keys: tuple[str, ...]
    header: RecordSpec | None = None  # a single mapping beside the list (a FAQ file's topic)


SOURCES = "a source id from sources.yaml"
QUOTE_NOTE = "A verbatim quote from the source's seed article (checked when the knowledge base loads)."

TOPIC = RecordSpec(
    "topic",
    (
        Field("id", "id", "The topic's id: lower-case words joined by hyphens.", required=True),
        Field("title", "text", "The topic's title, shown in /faq.", required=True, max_length=MAX_TITLE),
    ),
    key_fields=("id", "title"),
)
ENTRY = RecordSpec(
    "entry",
    (
        Field("id", "id", "The entry's id: lower-case words joined by hyphens, unique.", required=True),
        Field(
            "question", "text", "The question as shown, ending with '?'.", required=True, max_length=100, ends_with="?"
        ),
        Field(
            "phrasings",
            "texts",
            "Ways people really type the question.",
            required=True,
            min_items=MIN_PHRASINGS,
            max_items=MAX_PHRASINGS,
        ),
        Field("answer", "text", "A short answer, attributed to its source.", required=True, max_length=MAX_ANSWER),
        Field("details", "text", "More on the answer.", max_length=MAX_DETAILS),
        Field(
            "sources",
            "quotes",
            f"Where the answer comes from: {{source, quote}} pairs. {QUOTE_NOTE}",
            required=True,
            if_empty="needs at least one source with a quote",
            refers_to="source",
        ),
        Field("related", "texts", "Ids of related entries.", refers_to="entry"),
        Field("actors", "texts", "Ids of the actors the entry is about, from actors.yaml.", refers_to="actor"),
    ),
    key_fields=("id", "question", "answer"),
)
GAP = RecordSpec(
    "question",
    (
        Field("id", "id", "The known gap's id, unique and unlike any entry's.", required=True),
        Field("note", "text", "What the articles do not cover.", required=True, max_length=MAX_NOTE),
        Field(
            "phrasings",
            "texts",
            "Ways people ask it.",
            required=True,
            min_items=MIN_UNANSWERED_PHRASINGS,
            max_items=MAX_PHRASINGS,
        ),
        Field("see", "texts", "Ids of nearby entries the articles do answer.", refers_to="entry"),
    ),
    key_fields=("id", "note", "phrasings"),
)
ACTOR = RecordSpec(
    "actor",
    (
        Field("id", "id", "The actor's id: lower-case words joined by hyphens, unique.", required=True),
        Field("name", "text", "The name in clean English.", required=True, max_length=100),
        Field("aliases", "texts", "Other names, and the articles' spelling slips."),
        Field(
            "places",
            "texts",
            'Names of a place the articles use to mean them, as a capital for its government ("Noursultan"): '
            "/actor finds them by these too, but a question that is nothing but the place asks about the place.",
        ),
        Field("kind", "text", "What the actor is.", required=True, choices=ACTOR_KINDS),
        Field("role", "text", "Their role, in a few words.", required=True, max_length=200),
        Field("affiliation", "text", "Who they belong to.", max_length=200),
        Field("profile", "text", "A short profile from the articles.", required=True, max_length=MAX_PROFILE),
        Field("stance", "text", "Their stance, as the articles report it.", max_length=MAX_PROFILE),
        Field("quote", "quote", f"A key quote: {{source, quote}}. {QUOTE_NOTE}", refers_to="source"),
        Field(
            "asked_as",
            "texts",
            "Questions, typed the way people ask them, that this profile answers without naming the actor "
            '("who wrote the wall street journal article").',
            max_items=MAX_PHRASINGS,
        ),
        Field(
            "sources",
            "texts",
            "Ids of the sources that mention them (the name or an alias must appear in each).",
            required=True,
            if_empty="name at least one source that mentions them",
            refers_to="source",
        ),
    ),
    key_fields=("id", "name", "kind", "role", "profile"),
)
SOURCE = RecordSpec(
    "source",
    (
        Field("id", "id", "The source's id, used by quotes.", required=True),
        Field("seed", "text", "The article's file name in seeds/.", required=True),
        Field(
            "headline",
            "text",
            "The article's own headline, verbatim in its seed; leave it out for an untitled article.",
            max_length=256,
        ),
        Field("covers", "covers", "The dates the article covers: {from, to}.", required=True),
        Field("summary", "text", "What the article says, in short.", required=True, max_length=MAX_PROFILE),
        Field("outlet", "text", "The outlet, only where the article names its own.", max_length=100),
        Field("translated", "bool", "Whether the seed is a machine translation."),
    ),
    key_fields=("id", "seed", "summary", "covers"),
)
EVENT = RecordSpec(
    "event",
    (
        Field("id", "id", "The event's id, unique.", required=True),
        Field("date", "date", "When: YYYY, YYYY-MM or YYYY-MM-DD.", required=True),
        Field("event", "text", "What happened.", required=True, max_length=MAX_ANSWER),
        Field(
            "sources",
            "quotes",
            f"Where it is reported: {{source, quote}} pairs. {QUOTE_NOTE}",
            required=True,
            if_empty="needs at least one source with a quote",
            refers_to="source",
        ),
    ),
    key_fields=("id", "date", "event"),
)

FILES: dict[str, FileSpec] = {
    "faq": FileSpec("faq", "kzbot FAQ file (faq-<topic>.yaml)", "entries", ENTRY, ("topic", "entries"), TOPIC),
    "sources": FileSpec("sources", "kzbot sources.yaml", "sources", SOURCE, ("sources",)),
    "actors": FileSpec("actors", "kzbot actors.yaml", "actors", ACTOR, ("actors",)),
    "timeline": FileSpec("timeline", "kzbot timeline.yaml", "events", EVENT, ("events",)),
    "unanswered": FileSpec("unanswered", "kzbot unanswered.yaml (known gaps)", "questions", GAP, ("questions",)),
}


def schema_kind(file_name: str) -> str:
    """The schema a knowledge file is checked against: faq for faq-*.yaml, else its own name."""
    stem = file_name.rsplit(".", 1)[0]
    return "faq" if stem.startswith("faq-") else stem


def modeline(file_name: str) -> str:
    """The first line of a knowledge file, which points the YAML language server at its schema."""
    return f"# yaml-language-server: $schema=../{SCHEMA_DIR_NAME}/{schema_kind(file_name)}.schema.json"


# ------------------------------------------------------------------------------------------ JSON Schema


def _text(max_length: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "pattern": r"\S"}
    if max_length is not None:
        out["maxLength"] = max_length
    return out


def _quote() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "source": {**_text(), "description": SOURCES},
            "quote": {**_text(MAX_QUOTE), "description": QUOTE_NOTE},
        },
        "required": ["source", "quote"],
        "additionalProperties": False,
    }


_DATE = {
    "anyOf": [
        {"type": "string", "pattern": DATE_PATTERN.pattern},
        {"type": "integer", "minimum": 1000, "maximum": 9999},
    ]
}


def _field_schema(spec: Field) -> dict[str, Any]:
    out: dict[str, Any]
    if spec.type == "id":
        out = {"type": "string", "pattern": ID_PATTERN.pattern}
    elif spec.type == "text":
        out = _text(spec.max_length)
        if spec.choices:
            out = {"enum": list(spec.choices)}
        if spec.ends_with:
            out["pattern"] = re.escape(spec.ends_with) + r"\s*$"
    elif spec.type == "texts":
        out = {"type": "array", "items": _text()}
        if spec.refers_to:
            out["items"] = {"type": "string", "pattern": ID_PATTERN.pattern}
        if spec.min_items is not None:
            out["minItems"] = spec.min_items
        if spec.max_items is not None:
            out["maxItems"] = spec.max_items
        if spec.if_empty:
            out["minItems"] = max(out.get("minItems", 0), 1)
    elif spec.type == "quotes":
        out = {"type": "array", "items": _quote()}
        if spec.if_empty:
            out["minItems"] = 1
    elif spec.type == "quote":
        out = _quote()
    elif spec.type == "date":
        out = dict(_DATE)
    elif spec.type == "bool":
        out = {"type": "boolean"}
    else:  # covers
        out = {
            "type": "object",
            "properties": {"from": dict(_DATE), "to": dict(_DATE)},
            "required": ["from"],
            "additionalProperties": False,
        }
    description = spec.description
    if spec.refers_to and spec.type == "texts":
        description += f" Each is {_reference(spec.refers_to)}."
    return {"description": description, **out}


def _reference(kind: Reference) -> str:
    return {"source": SOURCES, "entry": "an entry id from a faq-*.yaml", "actor": "an actor id from actors.yaml"}[kind]


def _record_schema(spec: RecordSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f.name: _field_schema(f) for f in spec.fields},
        "required": list(spec.required),
        "additionalProperties": False,
    }


def _lexicon_schema() -> dict[str, Any]:
    words = {"type": "array", "items": _text()}
    return {
        "title": "kzbot lexicon.yaml",
        "type": "object",
        "properties": {
            "synonyms": {
                "description": "A word and the words or phrases that are rewritten to it before matching.",
                "type": "object",
                "additionalProperties": words,
            },
            "entities": {"description": "Names of countries, groups and people, for matching.", **words},
            "stopwords": {"description": "Words dropped before matching.", **words},
            "question_words": {
                "description": "Named lists of the words questions are made of (who_prefixes, intent_why, …).",
                "type": "object",
                "additionalProperties": words,
            },
        },
        "additionalProperties": False,
    }


SCHEMA_KINDS = (*FILES, "lexicon")


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of knowledge file."""
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "Made from kzbot/records.py by `make schemas`; `kzbot check` also checks references "
        "between records and every quote against its seed.",
    }
    if kind == "lexicon":
        return {**head, **_lexicon_schema()}
    spec = FILES[kind]
    properties: dict[str, Any] = {}
    if spec.header is not None:
        properties[spec.top_keys[0]] = _record_schema(spec.header)
    properties[spec.list_key] = {"type": "array", "items": _record_schema(spec.record)}
    return {
        **head,
        "title": spec.title,
        "type": "object",
        "properties": properties,
        "required": list(spec.top_keys),
        "additionalProperties": False,
    }


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write schemas/<kind>.schema.json for every kind, under `root` (default: this checkout)."""
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    folder = root / SCHEMA_DIR_NAME
    folder.mkdir(exist_ok=True)
    for kind in SCHEMA_KINDS:
        (folder / f"{kind}.schema.json").write_text(schema_text(kind), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

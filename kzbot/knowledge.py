"""Load and validate knowledge/*.yaml into an immutable KnowledgeBase.

Every problem is collected and reported at once, each naming file, entry id, field and what is wrong, so a
curator fixes a broken edit in one pass. Nothing here imports discord.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import yaml
from rapidfuzz import fuzz, process

from kzbot.errors import KnowledgeError, Problem
from kzbot.records import DATE_PATTERN, FILES, ID_PATTERN, MAX_QUOTE, TOPIC, FileSpec, RecordSpec
from kzbot.records import MAX_ANSWER as MAX_ANSWER
from kzbot.text import Normaliser, ascii_fold, fold_quote

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 50
# Two phrasings of different entries at least this alike (token-sorted, after normalising) are a clash.
CLASH_SCORE = 95.0
CLASH_BLOCK = 256
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SPECIAL_FILES = ("sources.yaml", "actors.yaml", "timeline.yaml", "lexicon.yaml")
# Files a knowledge base may do without.
OPTIONAL_FILES = ("unanswered.yaml",)
# An untitled article is cited by this many of its first words.
OPENING_WORDS = 6
T = TypeVar("T")


# ---------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Quote:
    source: str
    quote: str


@dataclass(frozen=True)
class Source:
    id: str
    seed: str
    headline: str | None  # None for an untitled article: it is cited by its opening words, never by a made-up title
    outlet: str | None
    translated: bool
    covers_from: str
    covers_to: str | None
    summary: str
    opening: str | None = None  # the seed's first words, filled in by the loader for an untitled article

    @property
    def seed_path(self) -> str:
        return f"seeds/{self.seed}"

    @property
    def label(self) -> str:
        """What a reader is shown as the source: the outlet where the article names one, else its headline, else
        its opening words."""
        if named := self.outlet or self.headline:
            return named
        return f"Untitled article beginning “{self.opening}”" if self.opening else "Untitled article"


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    details: str | None
    sources: tuple[Quote, ...]
    related: tuple[str, ...]
    actors: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """A question people ask that the articles do not answer ("how many people were arrested?").

    The matcher scores it like an entry; when it is the best match, the bot declines with the note instead of
    giving the nearest answer, which would be about something else."""

    id: str
    note: str
    phrasings: tuple[str, ...]
    see: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    aliases: tuple[str, ...]  # other names and slips, its places among them
    kind: str
    role: str
    affiliation: str | None
    profile: str
    stance: str | None
    quote: Quote | None
    sources: tuple[str, ...]
    mentioned_in: tuple[str, ...]
    asked_as: tuple[str, ...] = ()  # questions this profile answers without naming the actor
    places: tuple[str, ...] = ()  # names of a place that stand for the actor ("Noursultan"), also among aliases

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", (*self.aliases, *(p for p in self.places if p not in self.aliases)))


@dataclass(frozen=True)
class Event:
    id: str
    date: str
    event: str
    sources: tuple[Quote, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    sources: Mapping[str, Source]
    topics: Mapping[str, Topic]
    entries: Mapping[str, Entry]
    actors: Mapping[str, Actor]
    events: tuple[Event, ...]
    synonyms: Mapping[str, tuple[str, ...]]
    stopwords: tuple[str, ...]
    entities: tuple[str, ...]
    version: str
    gaps: tuple[Gap, ...] = ()
    # Named lists of the words questions are made of ("who_prefixes": "who is", "tell me about", …).
    question_words: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def summary(self) -> str:
        return (
            f"{len(self.entries)} entries in {len(self.topics)} topics, {len(self.actors)} actors, "
            f"{len(self.sources)} sources, {len(self.events)} events, {len(self.gaps)} known gaps "
            f"(version {self.version})"
        )

    def normaliser(self) -> Normaliser:
        return Normaliser(self.synonyms, self.stopwords)


# ------------------------------------------------------------------------------------------ reading YAML


class _Located:
    """Line numbers of every mapping value and sequence item in one YAML document, by path."""

    def __init__(self) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}

    def line(self, path: tuple[Any, ...]) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def _parse_yaml(raw: bytes, shown: str, problems: list[Problem]) -> tuple[Any, _Located] | None:
    """Parse one file safely, refusing what a curator never means: aliases and duplicate keys."""
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(shown, f"the file is too large ({len(raw)} bytes; the limit is {MAX_FILE_BYTES})"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(shown, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line=line))
        return None
    if not text.strip():
        problems.append(Problem(shown, "the file is empty"))
        return None
    # The safe loader (libyaml's when installed, as fast and as safe): compose once, check the node tree, then
    # build plain values from the same tree with the safe constructor — what yaml.safe_load does, in two steps.
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        located = _Located()
        if node is None:
            problems.append(Problem(shown, "the file is empty"))
            return None
        if not _walk(node, located, shown, problems):
            return None
        return loader.construct_document(node), located
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(shown, f"YAML syntax error: {what}", line=mark.line + 1 if mark else None))
        return None
    except (ValueError, TypeError, OverflowError) as exc:  # a well-formed value that cannot exist: 2022-02-30
        problems.append(Problem(shown, f"a value cannot be read: {exc}"))
        return None
    except RecursionError:
        problems.append(Problem(shown, f"nested more than {MAX_DEPTH} levels deep"))
        return None
    finally:
        loader.dispose()


def _walk(node: yaml.Node, located: _Located, shown: str, problems: list[Problem]) -> bool:
    """Record lines; refuse aliases (a node met twice), merge keys, duplicate keys and absurd nesting.

    Iterative and linear in the document's size, so neither an alias bomb nor deep nesting can hurt.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(node, ())]
    while stack:
        node, path = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            problems.append(Problem(shown, "YAML anchors and aliases (&name / *name) are not allowed", line=line))
            return False
        seen.add(id(node))
        if len(path) > MAX_DEPTH:
            problems.append(Problem(shown, f"nested more than {MAX_DEPTH} levels deep", line=line))
            return False
        located.lines[path] = line
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
                key_line = key_node.start_mark.line + 1
                if key == "<<":
                    problems.append(Problem(shown, "YAML merge keys (<<) are not allowed", line=key_line))
                    return False
                if key in keys:
                    problems.append(Problem(shown, f"duplicate key {key!r}", line=key_line))
                keys.add(key)
                stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
    return True


# ------------------------------------------------------------------------------------ checking records


class _Checker:
    """Field-by-field checks of one record, appending located problems."""

    def __init__(self, shown: str, located: _Located, problems: list[Problem]) -> None:
        self.shown = shown
        self.located = located
        self.problems = problems

    def problem(
        self, path: tuple[Any, ...], message: str, *, entry: str | None = None, field: str | None = None
    ) -> None:
        self.problems.append(Problem(self.shown, message, entry=entry, field=field, line=self.located.line(path)))

    def record(self, value: Any, path: tuple[Any, ...], spec: RecordSpec) -> dict[str, Any] | None:
        """Check a mapping has the required keys and no unknown ones; returns it, or None if not a mapping."""
        entry = value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else None
        if not isinstance(value, dict):
            self.problem(path, f"each {spec.what} must be a mapping of fields, not {_kind(value)}")
            return None
        allowed = spec.allowed
        for key in value:
            if key not in allowed:
                hint = process.extractOne(str(key), allowed, scorer=fuzz.ratio, score_cutoff=70)
                did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.problem(
                    (*path, key),
                    f"unknown field{did_you_mean}; allowed: {', '.join(allowed)}",
                    entry=entry,
                    field=str(key),
                )
        for key in spec.required:
            if key not in value or value[key] is None:
                self.problem(path, "missing required field", entry=entry, field=key)
        return value

    def fields(self, record: dict[str, Any], path: tuple[Any, ...], spec: RecordSpec) -> dict[str, Any]:
        """Every field of `record` checked against its spec; a value that does not read cleanly is None.

        Texts come back stripped, lists as tuples, quotes as Quote, dates as text, and a missing optional
        field as None (an empty tuple for lists)."""
        rid = self.ident(record, path)
        values: dict[str, Any] = {"id": rid}
        for item in spec.fields:
            key = item.name
            if key == "id":
                continue
            value: Any
            if item.type == "text":
                value = self.text(record, key, path, rid, limit=item.max_length)
                if value is not None and item.choices and value not in item.choices:
                    message = f"{value!r} is not one of: {', '.join(item.choices)}"
                    self.problem((*path, key), message, entry=rid, field=key)
                if value and item.ends_with and not value.endswith(item.ends_with):
                    ending = "a question mark" if item.ends_with == "?" else repr(item.ends_with)
                    self.problem((*path, key), f"must end with {ending}", entry=rid, field=key)
            elif item.type == "texts":
                value = self.texts(record, key, path, rid)
                low, high = item.min_items, item.max_items
                given = isinstance(record.get(key), list)
                if given and low is not None and high is not None and not low <= len(value) <= high:
                    message = f"has {len(value)} {key}; give {low} to {high}"
                    self.problem((*path, key), message, entry=rid, field=key)
            elif item.type in ("quotes", "quote"):
                value = self.quotes(record, key, path, rid, single=item.type == "quote")
            elif item.type == "date":
                value = _date_text(record.get(key))
                if record.get(key) is not None and value is None:
                    self.problem((*path, key), "must be a date: YYYY, YYYY-MM or YYYY-MM-DD", entry=rid, field=key)
            elif item.type == "bool":
                value = record.get(key, False)
                if not isinstance(value, bool):
                    self.problem((*path, key), f"must be true or false, not {_kind(value)}", entry=rid, field=key)
                value = bool(value)
            else:
                value = self.covers(record, key, path, rid)
            if item.if_empty and isinstance(record.get(key), list) and not record[key]:
                self.problem((*path, key), item.if_empty, entry=rid, field=key)
            values[key] = value
        return values

    def covers(
        self, record: dict[str, Any], key: str, path: tuple[Any, ...], entry: str | None
    ) -> tuple[str, str | None] | None:
        """A source's {from, to} dates; None unless `from` reads as a date."""
        covers = record.get(key)
        if covers is None:
            return None
        if not isinstance(covers, dict):
            self.problem((*path, key), f"must be a mapping {{from, to}}, not {_kind(covers)}", entry=entry, field=key)
            return None
        unknown = set(covers) - {"from", "to"}
        if unknown:
            message = f"unknown key {sorted(unknown)[0]!r}; allowed: from, to"
            self.problem((*path, key), message, entry=entry, field=key)
        covers_from = _date_text(covers.get("from"))
        covers_to = _date_text(covers.get("to")) if covers.get("to") is not None else None
        if covers_from is None:
            self.problem((*path, key), "needs 'from' as a date (YYYY-MM-DD)", entry=entry, field=key)
        if covers.get("to") is not None and covers_to is None:
            self.problem((*path, key), "'to' must be a date (YYYY-MM-DD)", entry=entry, field=key)
        return None if covers_from is None else (covers_from, covers_to)

    def text(
        self,
        record: dict[str, Any],
        key: str,
        path: tuple[Any, ...],
        entry: str | None,
        *,
        limit: int | None = None,
    ) -> str | None:
        value = record.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem((*path, key), f"must be text, not {_kind(value)}", entry=entry, field=key)
            return None
        value = value.strip()
        if not value:
            self.problem((*path, key), "must not be empty", entry=entry, field=key)
            return None
        if limit is not None and len(value) > limit:
            self.problem((*path, key), f"is {len(value)} characters; the limit is {limit}", entry=entry, field=key)
        return value

    def ident(self, record: dict[str, Any], path: tuple[Any, ...], key: str = "id") -> str | None:
        value = self.text(record, key, path, None)
        if value is not None and not ID_PATTERN.match(value):
            self.problem(
                (*path, key),
                f"{value!r} is not a valid id (lower-case letters and digits joined by hyphens)",
                field=key,
            )
            return None
        return value

    def texts(self, record: dict[str, Any], key: str, path: tuple[Any, ...], entry: str | None) -> tuple[str, ...]:
        value = record.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem((*path, key), f"must be a list, not {_kind(value)}", entry=entry, field=key)
            return ()
        out = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
            else:
                self.problem((*path, key, index), _item_problem(index, item), entry=entry, field=key)
        return tuple(out)

    def quotes(
        self, record: dict[str, Any], key: str, path: tuple[Any, ...], entry: str | None, *, single: bool = False
    ) -> tuple[Quote, ...]:
        """A list of {source, quote} mappings, or (`single`) one mapping."""
        value = record.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if not single and not isinstance(value, list):
            self.problem(
                (*path, key),
                f"must be a list of {{source, quote}}, not {_kind(value)}",
                entry=entry,
                field=key,
            )
            return ()
        out = []
        for index, item in enumerate(items):
            where = (*path, key, index) if isinstance(value, list) else (*path, key)
            if not isinstance(item, dict):
                self.problem(
                    where,
                    f"must be a mapping with source and quote, not {_kind(item)}",
                    entry=entry,
                    field=key,
                )
                continue
            unknown = sorted(set(item) - {"source", "quote"})
            if unknown:
                self.problem(where, f"unknown field {unknown[0]!r}; allowed: source, quote", entry=entry, field=key)
            source, quote = item.get("source"), item.get("quote")
            if not isinstance(source, str) or not source.strip():
                self.problem(where, "each quote needs a source id", entry=entry, field=key)
                continue
            if not isinstance(quote, str) or not quote.strip():
                self.problem(where, f"the quote from {source!r} is missing or empty", entry=entry, field=key)
                continue
            if len(quote) > MAX_QUOTE:
                self.problem(
                    where,
                    f"a quote is {len(quote)} characters; the limit is {MAX_QUOTE}",
                    entry=entry,
                    field=key,
                )
            out.append(Quote(source.strip(), quote.strip()))
        return tuple(out)


def _kind(value: Any) -> str:
    return {
        type(None): "nothing",
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _item_problem(index: int, item: Any) -> str:
    if isinstance(item, bool):
        return f"item {index + 1} was read as {str(item).lower()}, not text (YAML reads yes/no/on/off so); quote it"
    if isinstance(item, dict):
        return f"item {index + 1} was read as a mapping, not text (a colon followed by a space?); quote it"
    return f"item {index + 1} must be non-empty text, not {_kind(item)}"


def _date_text(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str) and DATE_PATTERN.match(value.strip()):
        return value.strip()
    return None


# ------------------------------------------------------------------------------------------- the loader


@dataclass(frozen=True)
class Read(Generic[T]):
    """A record as read, with the file and the path inside it where it came from, for located problems."""

    record: T
    file: str
    path: tuple[Any, ...]
    located: _Located

    def line(self, name: str) -> int | None:
        """The line of one of the record's fields (or of the record, where the field is absent)."""
        return self.located.line((*self.path, name))


@dataclass
class _Draft:
    """What was read before cross-checking: records with the file and path they came from."""

    sources: dict[str, Read[Source]] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    entries: dict[str, Read[Entry]] = field(default_factory=dict)
    actors: dict[str, Read[Actor]] = field(default_factory=dict)
    events: dict[str, Read[Event]] = field(default_factory=dict)
    gaps: dict[str, Read[Gap]] = field(default_factory=dict)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    question_words: dict[str, tuple[str, ...]] = field(default_factory=dict)


def load(knowledge_dir: Path, seeds_dir: Path) -> KnowledgeBase:
    """Read, validate and freeze the knowledge base; raise KnowledgeError listing every problem found."""
    knowledge_dir, seeds_dir = Path(knowledge_dir), Path(seeds_dir)
    problems: list[Problem] = []
    if not knowledge_dir.is_dir():
        raise KnowledgeError([Problem(_shown(knowledge_dir), "the knowledge directory does not exist")])
    files = sorted(p for p in knowledge_dir.iterdir() if p.suffix in (".yaml", ".yml"))
    names = {p.name for p in files}
    for required in SPECIAL_FILES:
        if required not in names:
            problems.append(Problem(_shown(knowledge_dir / required), "the file is missing"))
    draft = _Draft()
    digest = hashlib.sha256()
    readers: dict[str, Callable[[Any, _Checker, str], None]] = {
        "sources.yaml": lambda d, c, s: _read_sources(d, c, s, draft),
        "actors.yaml": lambda d, c, s: _read_actors(d, c, s, draft),
        "timeline.yaml": lambda d, c, s: _read_events(d, c, s, draft),
        "lexicon.yaml": lambda d, c, s: _read_lexicon(d, c, draft),
        "unanswered.yaml": lambda d, c, s: _read_gaps(d, c, s, draft),
    }
    for path in files:
        shown = _shown(path)
        is_faq = path.name.startswith("faq-") and path.suffix == ".yaml"
        if path.name not in readers and not is_faq:
            problems.append(
                Problem(
                    shown,
                    "unexpected file: FAQ files are named faq-<topic>.yaml; others are "
                    + ", ".join(SPECIAL_FILES + OPTIONAL_FILES),
                )
            )
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(shown, f"cannot read the file ({exc.strerror or exc})"))
            continue
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        parsed = _parse_yaml(raw, shown, problems)
        if parsed is None:
            continue
        data, located = parsed
        checker = _Checker(shown, located, problems)
        if is_faq:
            _read_faq(data, checker, shown, draft)
        else:
            readers[path.name](data, checker, shown)
    seeds = _read_seeds(draft, seeds_dir, problems)
    _cross_check(draft, seeds, problems)
    if problems:
        raise KnowledgeError(problems)
    mentioned: dict[str, list[str]] = {}
    for read in draft.entries.values():
        for actor_id in read.record.actors:
            mentioned.setdefault(actor_id, []).append(read.record.id)
    actors = {
        actor_id: replace(read.record, mentioned_in=tuple(mentioned.get(actor_id, ())))
        for actor_id, read in draft.actors.items()
    }
    sources = {
        sid: read.record if read.record.headline else replace(read.record, opening=_opening(seeds[sid]))
        for sid, read in draft.sources.items()
    }
    return KnowledgeBase(
        sources=MappingProxyType(sources),
        topics=MappingProxyType(dict(draft.topics)),
        entries=MappingProxyType({k: v.record for k, v in draft.entries.items()}),
        actors=MappingProxyType(actors),
        events=tuple(read.record for read in draft.events.values()),
        synonyms=MappingProxyType(dict(draft.synonyms)),
        stopwords=draft.stopwords,
        entities=draft.entities,
        version=digest.hexdigest()[:12],
        gaps=tuple(read.record for read in draft.gaps.values()),
        question_words=MappingProxyType(dict(draft.question_words)),
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _list_of(data: Any, key: str, checker: _Checker, allowed_top: tuple[str, ...]) -> list[Any]:
    if not isinstance(data, dict):
        checker.problem((), f"the file must be a mapping with the key {key!r}, not {_kind(data)}")
        return []
    for top in data:
        if top not in allowed_top:
            checker.problem((top,), f"unknown top-level key {top!r}; expected {', '.join(allowed_top)}")
    items = data.get(key)
    if items is None:
        checker.problem((), f"missing the top-level key {key!r}")
        return []
    if not isinstance(items, list):
        checker.problem((key,), f"{key!r} must be a list, not {_kind(items)}")
        return []
    return items


def _records(items: list[Any], c: _Checker, spec: FileSpec) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Each record of a file checked against its spec: (values, path), for those whose key fields read cleanly."""
    for index, raw in enumerate(items):
        path = (spec.list_key, index)
        rec = c.record(raw, path, spec.record)
        if rec is None:
            continue
        values = c.fields(rec, path, spec.record)
        if all(values[name] for name in spec.record.key_fields):
            yield values, path


def _add(store: dict[str, Read[T]], read: Read[T], rid: str, c: _Checker, *, name_file: bool = True) -> bool:
    """Keep a record under its id; a second record with the id is a problem (naming the first one's file)."""
    if rid in store:
        also = f" (also in {store[rid].file})" if name_file else ""
        c.problem(read.path, f"duplicate id{also}", entry=rid, field="id")
        return False
    store[rid] = read
    return True


def _read_sources(data: Any, c: _Checker, shown: str, draft: _Draft) -> None:
    spec = FILES["sources"]
    items = _list_of(data, spec.list_key, c, spec.top_keys)
    for index, raw in enumerate(items):
        if isinstance(raw, dict) and "headline" in raw and raw["headline"] is None:
            c.problem(
                (spec.list_key, index, "headline"),
                "must be the article's own title; leave it out for an untitled article",
                entry=raw.get("id") if isinstance(raw.get("id"), str) else None,
                field="headline",
            )
    for v, path in _records(items, c, spec):
        covers_from, covers_to = v["covers"]
        source = Source(
            id=v["id"],
            seed=v["seed"],
            headline=v["headline"],
            outlet=v["outlet"],
            translated=v["translated"],
            covers_from=covers_from,
            covers_to=covers_to,
            summary=v["summary"],
        )
        _add(draft.sources, Read(source, shown, path, c.located), source.id, c)


def _read_faq(data: Any, c: _Checker, shown: str, draft: _Draft) -> None:
    spec = FILES["faq"]
    items = _list_of(data, spec.list_key, c, spec.top_keys)
    topic = data.get("topic") if isinstance(data, dict) else None
    topic_id = title = None
    if isinstance(topic, dict):
        rec = c.record(topic, ("topic",), TOPIC)
        if rec is not None:
            header = c.fields(rec, ("topic",), TOPIC)
            topic_id, title = header["id"], header["title"]
    elif isinstance(data, dict):
        c.problem(("topic",), "missing 'topic' with an id and a title", field="topic")
    if topic_id and topic_id in draft.topics:
        c.problem(("topic",), f"duplicate topic id {topic_id!r}", field="topic")
        topic_id = None
    ids: list[str] = []
    for v, path in _records(items, c, spec):
        entry = Entry(
            id=v["id"],
            topic=topic_id or "",
            question=v["question"],
            phrasings=v["phrasings"],
            answer=v["answer"],
            details=v["details"],
            sources=v["sources"],
            related=v["related"],
            actors=v["actors"],
        )
        if _add(draft.entries, Read(entry, shown, path, c.located), entry.id, c):
            ids.append(entry.id)
    if topic_id and title:
        draft.topics[topic_id] = Topic(topic_id, title, tuple(ids))


def _read_gaps(data: Any, c: _Checker, shown: str, draft: _Draft) -> None:
    spec = FILES["unanswered"]
    for v, path in _records(_list_of(data, spec.list_key, c, spec.top_keys), c, spec):
        gap = Gap(id=v["id"], note=v["note"], phrasings=v["phrasings"], see=v["see"])
        _add(draft.gaps, Read(gap, shown, path, c.located), gap.id, c)


def _read_actors(data: Any, c: _Checker, shown: str, draft: _Draft) -> None:
    spec = FILES["actors"]
    for v, path in _records(_list_of(data, spec.list_key, c, spec.top_keys), c, spec):
        actor = Actor(
            id=v["id"],
            name=v["name"],
            aliases=v["aliases"],
            kind=v["kind"],
            role=v["role"],
            affiliation=v["affiliation"],
            profile=v["profile"],
            stance=v["stance"],
            quote=v["quote"][0] if v["quote"] else None,
            sources=v["sources"],
            mentioned_in=(),
            asked_as=v["asked_as"],
            places=v["places"],
        )
        _add(draft.actors, Read(actor, shown, path, c.located), actor.id, c)


def _read_events(data: Any, c: _Checker, shown: str, draft: _Draft) -> None:
    spec = FILES["timeline"]
    for v, path in _records(_list_of(data, spec.list_key, c, spec.top_keys), c, spec):
        event = Event(id=v["id"], date=v["date"], event=v["event"], sources=v["sources"])
        _add(draft.events, Read(event, shown, path, c.located), event.id, c, name_file=False)


def _read_lexicon(data: Any, c: _Checker, draft: _Draft) -> None:
    if not isinstance(data, dict):
        c.problem((), f"the file must be a mapping with 'synonyms', 'entities' and 'stopwords', not {_kind(data)}")
        return
    for top in data:
        if top not in ("synonyms", "entities", "stopwords", "question_words"):
            c.problem((top,), f"unknown top-level key {top!r}; expected synonyms, entities, stopwords, question_words")
    synonyms = data.get("synonyms") or {}
    if not isinstance(synonyms, dict):
        c.problem(("synonyms",), f"'synonyms' must be a mapping of word: [variants], not {_kind(synonyms)}")
        synonyms = {}
    owner: dict[str, str] = {}
    for canonical, variants in synonyms.items():
        path = ("synonyms", canonical)
        if not isinstance(canonical, str) or not ascii_fold(canonical):
            c.problem(path, f"{canonical!r} is not a word", field="synonyms")
            continue
        if not isinstance(variants, list) or not all(isinstance(v, str) and ascii_fold(v) for v in variants):
            c.problem(path, f"the variants of {canonical!r} must be a list of words or phrases", field="synonyms")
            continue
        for variant in variants:
            key = ascii_fold(variant)
            if key in owner and owner[key] != canonical:
                c.problem(
                    path,
                    f"{variant!r} is listed under both {owner[key]!r} and {canonical!r}",
                    field="synonyms",
                )
            owner[key] = canonical
        draft.synonyms[canonical] = tuple(variants)
    for key in ("entities", "stopwords"):
        if key in data and not isinstance(data[key], list):
            c.problem((key,), f"{key!r} must be a list of words, not {_kind(data[key])}", field=key)
        else:
            setattr(draft, key, c.texts(data, key, (), None))
    lists = data.get("question_words") or {}
    if not isinstance(lists, dict):
        c.problem(("question_words",), f"'question_words' must be a mapping of name: [words], not {_kind(lists)}")
        lists = {}
    for name in lists:
        if not isinstance(lists[name], list):
            c.problem(("question_words", name), f"{name!r} must be a list of words or phrases", field="question_words")
        else:
            draft.question_words[str(name)] = c.texts(lists, name, ("question_words",), None)


# -------------------------------------------------------------------------------------------- cross-check


def _read_seeds(draft: _Draft, seeds_dir: Path, problems: list[Problem]) -> dict[str, str]:
    """The folded text of each source's seed, for the verbatim-quote check."""
    seeds: dict[str, str] = {}
    for sid, read in draft.sources.items():
        seed_path = seeds_dir / read.record.seed
        try:
            seeds[sid] = fold_quote(seed_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = "not found" if isinstance(exc, FileNotFoundError) else f"unreadable ({exc})"
            problems.append(
                Problem(
                    read.file,
                    f"seed file {_shown(seed_path)} {reason}",
                    entry=sid,
                    field="seed",
                    line=read.line("seed"),
                )
            )
    return seeds


def _cross_check(draft: _Draft, seeds: dict[str, str], problems: list[Problem]) -> None:
    """References between records, and every quote against its seed."""

    def report(read: Read[Any], owner: str, fld: str, message: str) -> None:
        problems.append(Problem(read.file, message, entry=owner, field=fld, line=read.line(fld)))

    def check_quotes(read: Read[Any], owner: str, quotes: tuple[Quote, ...], fld: str) -> None:
        for quote in quotes:
            if quote.source not in draft.sources:
                report(read, owner, fld, f"unknown source {quote.source!r}{_near(quote.source, draft.sources)}")
            elif quote.source in seeds and fold_quote(quote.quote) not in seeds[quote.source]:
                seed = draft.sources[quote.source].record.seed_path
                report(read, owner, fld, f"quote not found verbatim in {seed}: {_clip(quote.quote)!r}")

    for sid, read_source in draft.sources.items():
        source = read_source.record
        if source.headline is not None and sid in seeds and fold_quote(source.headline) not in seeds[sid]:
            report(
                read_source,
                sid,
                "headline",
                f"headline not found verbatim in {source.seed_path}: {_clip(source.headline)!r}; give the article's "
                "own title, or leave the headline out for an untitled article",
            )
    for eid, read_entry in draft.entries.items():
        entry = read_entry.record
        check_quotes(read_entry, eid, entry.sources, "sources")
        for rel in entry.related:
            if rel == eid:
                report(read_entry, eid, "related", "an entry cannot be related to itself")
            elif rel not in draft.entries:
                report(read_entry, eid, "related", f"unknown entry {rel!r}{_near(rel, draft.entries)}")
        for actor_id in entry.actors:
            if actor_id not in draft.actors:
                report(read_entry, eid, "actors", f"unknown actor {actor_id!r}{_near(actor_id, draft.actors)}")
    for aid, read_actor in draft.actors.items():
        actor = read_actor.record
        if actor.quote is not None:
            check_quotes(read_actor, aid, (actor.quote,), "quote")
        names = [fold_quote(n).casefold() for n in (actor.name, *actor.aliases)]
        for sid in actor.sources:
            if sid not in draft.sources:
                report(read_actor, aid, "sources", f"unknown source {sid!r}{_near(sid, draft.sources)}")
            elif sid in seeds and not any(n in seeds[sid].casefold() for n in names):
                seed = draft.sources[sid].record.seed_path
                report(read_actor, aid, "sources", f"neither the name nor an alias appears in {seed}")
    for read_event in draft.events.values():
        check_quotes(read_event, read_event.record.id, read_event.record.sources, "sources")
    for gid, read_gap in draft.gaps.items():
        if gid in draft.entries:
            report(read_gap, gid, "id", f"an FAQ entry has the same id (in {draft.entries[gid].file})")
        for eid in read_gap.record.see:
            if eid not in draft.entries:
                report(read_gap, gid, "see", f"unknown entry {eid!r}{_near(eid, draft.entries)}")
    _check_clashes(draft, problems)


# Which side of a clash it is reported on: an actor's asked_as, else a known gap, else the first entry by id.
_CLASH_SIDE = {"actor": 0, "gap": 1, "entry": 2}
_CLASH_FIELD = {"actor": "asked_as", "gap": "phrasings", "entry": "phrasings"}


def _check_clashes(draft: _Draft, problems: list[Problem]) -> None:
    """Phrasings of two entries so alike that the matcher cannot tell which entry is meant; likewise an entry's
    phrasing and a known gap's (two gaps may be alike: either way the bot declines), and an actor's asked_as and
    any other actor's asked_as, entry's or gap's phrasing."""
    normalise = Normaliser(draft.synonyms, draft.stopwords)
    owners: list[tuple[str, str]] = []
    texts: list[str] = []
    originals: list[str] = []
    records: dict[tuple[str, str], Read[Any]] = {}
    phrasings_of: list[tuple[tuple[str, str], Read[Any], tuple[str, ...]]] = [
        (("entry", eid), r, (r.record.question, *r.record.phrasings)) for eid, r in draft.entries.items()
    ]
    phrasings_of += [(("gap", gid), r, r.record.phrasings) for gid, r in draft.gaps.items()]
    phrasings_of += [(("actor", aid), r, r.record.asked_as) for aid, r in draft.actors.items()]
    for owner, record, phrasings in phrasings_of:
        records[owner] = record
        for phrasing in phrasings:
            owners.append(owner)
            texts.append(" ".join(sorted(normalise.content_words(phrasing))))
            originals.append(phrasing)
    if not texts:
        return
    reported: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    # In blocks of rows, so that memory stays small however many phrasings there are.
    rows = (
        (start + k, row)
        for start in range(0, len(texts), CLASH_BLOCK)
        for k, row in enumerate(
            process.cdist(
                texts[start : start + CLASH_BLOCK], texts, scorer=fuzz.ratio, score_cutoff=CLASH_SCORE, workers=1
            )
        )
    )
    for i, row in rows:
        for j in row.nonzero()[0]:
            a, b = owners[i], owners[int(j)]
            if not _reported_on(a, b) or (a, b) in reported:
                continue
            reported.add((a, b))
            read = records[a]
            what = "asked_as" if a[0] == "actor" else "phrasing"
            field = _CLASH_FIELD[a[0]]
            problems.append(
                Problem(
                    read.file,
                    f"{what} {originals[i]!r} is too close to {originals[int(j)]!r} of {_owner_kind(b)} {b[1]!r} "
                    f"(score {row[j]:.0f}); the matcher cannot tell them apart — reword one",
                    entry=a[1],
                    field=field,
                    line=read.line(field),
                )
            )


def _reported_on(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Each clash once: on the side _CLASH_SIDE puts first; between two of a kind, on the first by id (two gaps
    alike are no clash: either way the bot declines)."""
    if a[0] != b[0]:
        return _CLASH_SIDE[a[0]] < _CLASH_SIDE[b[0]]
    return a[0] != "gap" and a < b


def _owner_kind(owner: tuple[str, str]) -> str:
    return {"entry": "entry", "gap": "known gap", "actor": "actor"}[owner[0]]


def _opening(seed: str) -> str:
    """The first words of an untitled article, to cite it by."""
    words = seed.split()
    opening = " ".join(words[:OPENING_WORDS]).rstrip(",.;:")
    return opening + ("…" if len(words) > OPENING_WORDS else "")


def _near(name: str, known: Mapping[str, Any]) -> str:
    hint = process.extractOne(name, list(known), scorer=fuzz.ratio, score_cutoff=75)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def iter_quotes(kb: KnowledgeBase) -> Iterator[tuple[str, Quote]]:
    """Every quote in the knowledge base with its owner, for reports and tests."""
    for entry in kb.entries.values():
        for quote in entry.sources:
            yield entry.id, quote
    for actor in kb.actors.values():
        if actor.quote:
            yield f"actor:{actor.id}", actor.quote
    for event in kb.events:
        for quote in event.sources:
            yield f"event:{event.id}", quote

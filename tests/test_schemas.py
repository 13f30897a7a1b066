"""The JSON Schemas for curators' editors: made from the record specs, shipped in schemas/, named by each
knowledge file's first line, and satisfied by every shipped file. The loader and the schema, made from the
same specs, refuse the same broken records."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from kzbot import knowledge
from kzbot.config import PROJECT_ROOT
from kzbot.errors import KnowledgeError
from kzbot.records import FILES, SCHEMA_KINDS, json_schema, modeline, schema_kind, schema_text

KNOWLEDGE = PROJECT_ROOT / "knowledge"
SCHEMAS = PROJECT_ROOT / "schemas"
FILES_SHIPPED = sorted(KNOWLEDGE.glob("*.yaml"))


def _as_an_editor_reads_it(value: Any) -> Any:
    """YAML 1.2, as the YAML language server reads it, keeps an unquoted 2022-01-05 as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _as_an_editor_reads_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_an_editor_reads_it(v) for v in value]
    return value


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _data(path: Path) -> Any:
    return _as_an_editor_reads_it(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_the_shipped_schema_is_made_from_the_specs(kind: str) -> None:
    shipped = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(kind), "schemas/ is out of date with kzbot/records.py: run `make schemas`"
    jsonschema.Draft202012Validator.check_schema(json_schema(kind))


def test_no_stray_schemas() -> None:
    assert {p.name for p in SCHEMAS.glob("*.json")} == {f"{kind}.schema.json" for kind in SCHEMA_KINDS}


@pytest.mark.parametrize("path", FILES_SHIPPED, ids=lambda p: p.name)
def test_each_knowledge_file_names_its_schema_on_its_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == modeline(path.name)
    assert (path.parent / first.split("$schema=", 1)[1]).resolve().is_file()


@pytest.mark.parametrize("path", FILES_SHIPPED, ids=lambda p: p.name)
def test_each_shipped_file_validates_against_its_schema(path: Path) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(schema_kind(path.name)).iter_errors(_data(path))
    ]
    assert not errors, errors


# file, how to break its first record, the field the loader names
BROKEN = [
    ("faq-troops.yaml", lambda r: r.pop("answer"), "answer"),
    ("faq-troops.yaml", lambda r: r.__setitem__("answr", "typo"), "answr"),
    ("faq-troops.yaml", lambda r: r.__setitem__("answer", "x" * 301), "answer"),
    ("faq-troops.yaml", lambda r: r.__setitem__("question", "No question mark"), "question"),
    ("faq-troops.yaml", lambda r: r.__setitem__("phrasings", ["one", "two"]), "phrasings"),
    ("faq-troops.yaml", lambda r: r.__setitem__("sources", []), "sources"),
    ("faq-troops.yaml", lambda r: r.__setitem__("id", "Not An Id"), "id"),
    ("actors.yaml", lambda r: r.__setitem__("kind", "robot"), "kind"),
    ("actors.yaml", lambda r: r.__setitem__("sources", []), "sources"),
    ("sources.yaml", lambda r: r.__setitem__("translated", "yes please"), "translated"),
    ("sources.yaml", lambda r: r.__setitem__("covers", {"from": "soon"}), "covers"),
    ("timeline.yaml", lambda r: r.__setitem__("date", "sometime"), "date"),
    ("unanswered.yaml", lambda r: r.__setitem__("note", ""), "note"),
]


@pytest.mark.parametrize(("name", "brk", "field"), BROKEN, ids=[f"{n}:{f}-{i}" for i, (n, _, f) in enumerate(BROKEN)])
def test_the_loader_and_the_schema_refuse_the_same_records(name, brk, field, tmp_path: Path) -> None:
    kb = tmp_path / "knowledge"
    for path in FILES_SHIPPED:
        (kb / path.name).parent.mkdir(exist_ok=True)
        (kb / path.name).write_bytes(path.read_bytes())
    data = yaml.safe_load((KNOWLEDGE / name).read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    brk(broken[FILES[schema_kind(name)].list_key][0])
    (kb / name).write_text(yaml.safe_dump(broken, allow_unicode=True, sort_keys=False), encoding="utf-8")

    assert list(_validator(schema_kind(name)).iter_errors(_as_an_editor_reads_it(broken))), "the schema accepts it"
    with pytest.raises(KnowledgeError) as caught:
        knowledge.load(kb, PROJECT_ROOT / "seeds")
    assert any(p.file.endswith(name) and p.field == field for p in caught.value.problems), caught.value.problems

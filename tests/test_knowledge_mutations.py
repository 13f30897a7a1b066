"""Break a copy of the shipped knowledge base in many ways: every break is a KnowledgeError naming the place.

tests/test_knowledge.py checks each validator message word for word; this is the broad sweep. Each case
edits one thing in a copy of knowledge/ (or seeds/) and asserts that loading raises KnowledgeError — never
another exception — with a one-line problem naming the file and, where there is one, the entry id and the
field. A few cases go through `python -m kzbot check` as a curator would run it. The last tests scan the
project's Python files for YAML read any way but safely.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kzbot import knowledge
from kzbot.errors import KnowledgeError, Problem

ROOT = Path(__file__).resolve().parent.parent
FAQ_FILES = sorted(p.name for p in (ROOT / "knowledge").glob("faq-*.yaml"))


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated objects out in full: the loader refuses anchors, and a mutation must not add one."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class Broken:
    """A copy of knowledge/ and seeds/ under tmp_path, to edit as data or as text and then load."""

    def __init__(self, base: Path) -> None:
        self.knowledge = base / "knowledge"
        self.seeds = base / "seeds"
        shutil.copytree(ROOT / "knowledge", self.knowledge)
        shutil.copytree(ROOT / "seeds", self.seeds)

    def data(self, name: str) -> Any:
        return yaml.safe_load((self.knowledge / name).read_text(encoding="utf-8"))

    def write(self, name: str, data: Any) -> None:
        text = yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=200)
        (self.knowledge / name).write_text(text, encoding="utf-8")

    def change(self, name: str, edit: Callable[[Any], None]) -> None:
        data = self.data(name)
        edit(data)
        self.write(name, data)

    def text(self, name: str) -> str:
        return (self.knowledge / name).read_text(encoding="utf-8")

    def problems(self) -> list[Problem]:
        with pytest.raises(KnowledgeError) as caught:
            knowledge.load(self.knowledge, self.seeds)
        problems = list(caught.value.problems)
        assert problems, "a KnowledgeError must say what is wrong"
        for problem in problems:
            assert "\n" not in str(problem), f"one line per problem: {problem}"
        return problems


@pytest.fixture
def broken(tmp_path: Path) -> Broken:
    return Broken(tmp_path)


def located(problems: list[Problem], file: str, entry: str | None = None, field: str | None = None) -> Problem:
    """The problem naming `file` (and `entry` and `field` when given), in its fields and in its one line."""
    for problem in problems:
        if not problem.file.endswith(file):
            continue
        if entry is not None and problem.entry != entry:
            continue
        if field is not None and problem.field != field:
            continue
        line = str(problem)
        assert file in line
        if entry is not None:
            assert f"entry {entry!r}" in line
        if field is not None:
            assert f"field {field!r}" in line
        return problem
    wanted = "/".join(str(x) for x in (file, entry, field) if x is not None)
    raise AssertionError(f"no problem naming {wanted} in:\n" + "\n".join(map(str, problems)))


def pick(index: int = 0) -> tuple[str, int]:
    """A FAQ file chosen by `index` (so cases spread over every file) and its entry number."""
    return FAQ_FILES[index % len(FAQ_FILES)], index % 3


# ------------------------------------------------------------------------------------------- round trip


def test_a_copy_written_back_unchanged_still_loads(broken: Broken) -> None:
    """The mutations below rewrite files through the YAML dumper; untouched, that must load cleanly."""
    for path in sorted(broken.knowledge.glob("*.yaml")):
        broken.write(path.name, broken.data(path.name))
    kb = knowledge.load(broken.knowledge, broken.seeds)
    assert len(kb.entries) == len(knowledge.load(ROOT / "knowledge", ROOT / "seeds").entries)


# -------------------------------------------------------------------------------------------- FAQ entries

ENTRY_FIELDS = ("question", "phrasings", "answer", "sources")


@pytest.mark.parametrize("field", ENTRY_FIELDS)
@pytest.mark.parametrize("spread", [0, 4])
def test_dropping_a_required_field_names_entry_and_field(broken: Broken, field: str, spread: int) -> None:
    name, index = pick(spread + ENTRY_FIELDS.index(field))
    entry = broken.data(name)["entries"][index]
    broken.change(name, lambda d: d["entries"][index].pop(field))
    located(broken.problems(), name, entry["id"], field)


def test_dropping_an_entry_id_names_the_field(broken: Broken) -> None:
    name, index = pick(2)
    broken.change(name, lambda d: d["entries"][index].pop("id"))
    located(broken.problems(), name, None, "id")


WRONG_TYPES: list[tuple[str, Any]] = [
    ("question", 42),
    ("question", ["Why?"]),
    ("question", {"text": "Why?"}),
    ("answer", True),
    ("answer", 3.5),
    ("answer", ["a", "b"]),
    ("answer", "   "),
    ("answer", None),
    ("phrasings", "why did china not send troops"),
    ("phrasings", [1, 2, 3, 4]),
    ("phrasings", [None, "a", "b", "c"]),
    ("phrasings", {"a": "b"}),
    ("phrasings", []),
    ("sources", "ap"),
    ("sources", [{"source": "ap"}]),
    ("sources", [{"quote": "China"}]),
    ("sources", ["ap"]),
    ("sources", []),
    ("details", ["more"]),
    ("details", 7),
    ("related", "why-no-troops"),
    ("related", [1]),
    ("actors", {"tokayev": True}),
    ("actors", [None]),
    ("id", 123),
    ("id", "Not A Valid Id"),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES, ids=[f"{f}={v!r}"[:40] for f, v in WRONG_TYPES])
def test_a_wrong_type_names_entry_and_field(broken: Broken, field: str, value: Any) -> None:
    name, index = pick(WRONG_TYPES.index((field, value)))
    entry_id = broken.data(name)["entries"][index]["id"]

    def edit(data: Any) -> None:
        data["entries"][index][field] = value

    broken.change(name, edit)
    located(broken.problems(), name, None if field == "id" else entry_id, field)


@pytest.mark.parametrize("key", ["answr", "Question", "phrasing", "source", "notes", "42"])
def test_an_unknown_key_names_entry_and_key(broken: Broken, key: str) -> None:
    name, index = pick(len(key))
    entry_id = broken.data(name)["entries"][index]["id"]
    broken.change(name, lambda d: d["entries"][index].__setitem__(key, "x"))
    located(broken.problems(), name, entry_id, key)


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("answer", lambda e: "x" * 301),
        ("details", lambda e: "x" * 1001),
        ("question", lambda e: e["question"].rstrip("?")),
        ("question", lambda e: "Why" * 40 + "?"),
        ("phrasings", lambda e: e["phrasings"][:3]),
        ("phrasings", lambda e: [f"phrasing number {i}" for i in range(41)]),
    ],
    ids=["answer-too-long", "details-too-long", "no-question-mark", "question-too-long", "3-phrasings", "41-phrasings"],
)
def test_a_value_out_of_bounds_names_entry_and_field(broken: Broken, field: str, make: Callable[[Any], Any]) -> None:
    name, index = pick(len(field))
    entry = broken.data(name)["entries"][index]
    broken.change(name, lambda d: d["entries"][index].__setitem__(field, make(entry)))
    located(broken.problems(), name, entry["id"], field)


def test_duplicate_id_in_one_file(broken: Broken) -> None:
    name = FAQ_FILES[1]
    data = broken.data(name)
    twin = dict(data["entries"][1], id=data["entries"][0]["id"], phrasings=[f"unrelated words {i}" for i in range(4)])
    data["entries"].append(twin)
    broken.write(name, data)
    located(broken.problems(), name, twin["id"], "id")


def test_duplicate_id_across_files(broken: Broken) -> None:
    first, second = FAQ_FILES[0], FAQ_FILES[-1]
    taken = broken.data(first)["entries"][0]["id"]
    broken.change(second, lambda d: d["entries"][0].__setitem__("id", taken))
    problem = located(broken.problems(), second, taken, "id")
    assert first in problem.message, "the message says where the id is already used"


@pytest.mark.parametrize(
    ("field", "value"),
    [("related", ["no-such-entry"]), ("actors", ["no-such-person"]), ("sources", [{"source": "bbc", "quote": "x"}])],
)
@pytest.mark.parametrize("spread", [0, 5])
def test_a_dangling_reference_names_entry_and_field(broken: Broken, field: str, value: Any, spread: int) -> None:
    name, index = pick(spread + len(field))
    entry_id = broken.data(name)["entries"][index]["id"]
    broken.change(name, lambda d: d["entries"][index].__setitem__(field, value))
    problem = located(broken.problems(), name, entry_id, field)
    assert str(value[0]).split("'")[0] in str(problem) or "bbc" in str(problem)


QUOTE_EDITS: list[Callable[[str], str]] = [
    lambda q: q[: len(q) // 2] + "X" + q[len(q) // 2 + 1 :],  # one letter changed
    lambda q: q + " and more besides",  # words added
    lambda q: q.replace(" ", "  ", 1).upper(),  # case changed
    lambda q: q[::-1],  # reversed
]


@pytest.mark.parametrize("edit", QUOTE_EDITS, ids=["letter", "added", "upper", "reversed"])
def test_an_altered_quote_names_entry_and_field(broken: Broken, edit: Callable[[str], str]) -> None:
    name, index = pick(QUOTE_EDITS.index(edit) * 2 + 1)
    entry_id = broken.data(name)["entries"][index]["id"]

    def change(data: Any) -> None:
        quote = data["entries"][index]["sources"][0]
        quote["quote"] = edit(quote["quote"])

    broken.change(name, change)
    assert "verbatim" in located(broken.problems(), name, entry_id, "sources").message


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.pop("topic"), "topic"),
        (lambda d: d.pop("entries"), None),
        (lambda d: d.__setitem__("entries", {"a": 1}), None),
        (lambda d: d.__setitem__("entries", [1, "two", None]), None),
        (lambda d: d.__setitem__("topic", {"id": "Bad Topic", "title": "t"}), None),
        (lambda d: d.__setitem__("extra", 1), None),
    ],
    ids=["no-topic", "no-entries", "entries-mapping", "entries-scalars", "bad-topic-id", "extra-top-key"],
)
def test_a_broken_file_shape_names_the_file(broken: Broken, edit: Callable[[Any], None], field: str | None) -> None:
    name = FAQ_FILES[2]
    broken.change(name, edit)
    located(broken.problems(), name, None, field)


@pytest.mark.parametrize("top", [[1, 2, 3], "just text", 42, None, True])
def test_a_file_that_is_not_a_mapping_names_the_file(broken: Broken, top: Any) -> None:
    for name in (FAQ_FILES[0], "actors.yaml", "sources.yaml", "timeline.yaml", "lexicon.yaml"):
        (broken.knowledge / name).write_text(yaml.safe_dump(top), encoding="utf-8")
    problems = broken.problems()
    for name in (FAQ_FILES[0], "actors.yaml", "sources.yaml", "timeline.yaml", "lexicon.yaml"):
        located(problems, name)


# ------------------------------------------------------------------------------ actors, events, sources

ACTOR_FIELDS = ("name", "kind", "role", "profile", "sources")


@pytest.mark.parametrize("field", ACTOR_FIELDS)
def test_an_actor_missing_a_field_is_named(broken: Broken, field: str) -> None:
    index = ACTOR_FIELDS.index(field) * 7
    actor_id = broken.data("actors.yaml")["actors"][index]["id"]
    broken.change("actors.yaml", lambda d: d["actors"][index].pop(field))
    located(broken.problems(), "actors.yaml", actor_id, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "robot"),
        ("kind", 1),
        ("aliases", "Xi"),
        ("sources", ["nowhere"]),
        ("sources", []),
        ("profile", "x" * 301),
        ("quote", {"source": "ap", "quote": "words no article ever printed"}),
        ("quote", {"source": "ap"}),
        ("quote", "a bare string"),
        ("affiliation", ["China"]),
        ("nickname", "x"),
    ],
)
def test_an_actor_with_a_bad_value_is_named(broken: Broken, field: str, value: Any) -> None:
    actor_id = broken.data("actors.yaml")["actors"][3]["id"]
    broken.change("actors.yaml", lambda d: d["actors"][3].__setitem__(field, value))
    located(broken.problems(), "actors.yaml", actor_id, field)


def test_an_actor_no_article_names_is_found_out(broken: Broken) -> None:
    actor_id = broken.data("actors.yaml")["actors"][0]["id"]

    def rename(data: Any) -> None:
        data["actors"][0].update(name="Someone Else Entirely", aliases=["Nobody In Particular"])

    broken.change("actors.yaml", rename)
    located(broken.problems(), "actors.yaml", actor_id, "sources")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "sometime in January"),
        ("date", "2022-1-5"),
        ("date", [2022]),
        ("date", None),
        ("event", ""),
        ("event", "x" * 301),
        ("sources", [{"source": "ap", "quote": "this sentence is in no article"}]),
        ("sources", [{"source": "nobody", "quote": "x"}]),
        ("when", "2022"),
    ],
)
def test_an_event_with_a_bad_value_is_named(broken: Broken, field: str, value: Any) -> None:
    event_id = broken.data("timeline.yaml")["events"][2]["id"]
    broken.change("timeline.yaml", lambda d: d["events"][2].__setitem__(field, value))
    located(broken.problems(), "timeline.yaml", event_id, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", None),
        ("seed", "999_missing.txt"),
        ("headline", 5),
        ("translated", "yes"),
        ("covers", {"since": "2022-01-01"}),
        ("summary", "x" * 301),
        ("publisher", "x"),
    ],
)
def test_a_source_with_a_bad_value_is_named(broken: Broken, field: str, value: Any) -> None:
    source_id = broken.data("sources.yaml")["sources"][1]["id"]
    broken.change("sources.yaml", lambda d: d["sources"][1].__setitem__(field, value))
    located(broken.problems(), "sources.yaml", source_id, field)


def test_a_missing_seed_file_is_named(broken: Broken) -> None:
    source = broken.data("sources.yaml")["sources"][0]
    (broken.seeds / source["seed"]).unlink()
    problem = located(broken.problems(), "sources.yaml", source["id"], "seed")
    assert source["seed"] in problem.message


def test_an_unreadable_seed_file_is_named(broken: Broken) -> None:
    source = broken.data("sources.yaml")["sources"][2]
    (broken.seeds / source["seed"]).write_bytes(b"\xff\xfe not text")
    located(broken.problems(), "sources.yaml", source["id"], "seed")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.__setitem__("synonyms", ["china", "beijing"]),
        lambda d: d["synonyms"].__setitem__("chinese state", ["beijing"]),
        lambda d: d["synonyms"].__setitem__("numbers", [1, 2]),
        lambda d: d.__setitem__("stopwords", {"the": 1}),
        lambda d: d.__setitem__("entities", "china"),
        lambda d: d.__setitem__("antonyms", {}),
    ],
    ids=["synonyms-list", "variant-twice", "variant-numbers", "stopwords-mapping", "entities-text", "unknown-key"],
)
def test_a_broken_lexicon_is_named(broken: Broken, edit: Callable[[Any], None]) -> None:
    broken.change("lexicon.yaml", edit)
    located(broken.problems(), "lexicon.yaml")


@pytest.mark.parametrize("name", ["sources.yaml", "actors.yaml", "timeline.yaml", "lexicon.yaml"])
def test_a_missing_required_file_is_named(broken: Broken, name: str) -> None:
    (broken.knowledge / name).unlink()
    assert "missing" in located(broken.problems(), name).message


# ------------------------------------------------------------------------------------- bytes and YAML


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        prev, cur = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{cur}: &{cur} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


RAW_BREAKS: dict[str, Callable[[str], str | bytes]] = {
    "invalid-utf8": lambda t: t.encode("utf-8").replace(b"\n", b"\n\xc3\x28", 3),
    "latin-1": lambda t: t.replace("id:", "id: café", 1).encode("latin-1", errors="replace"),
    "utf-16": lambda t: t.encode("utf-16"),
    "nul-bytes": lambda t: b"\x00" * 64,
    "empty": lambda t: "",
    "blank": lambda t: "   \n\n\t\n",
    "comment-only": lambda t: "# nothing here yet\n",
    "huge": lambda t: t + "#" + "x" * (1024 * 1024) + "\n",
    "billion-laughs": lambda t: _billion_laughs(),
    "anchor-alias": lambda t: "base: &b {id: x}\nentries:\n  - *b\n",
    "merge-key": lambda t: t.replace("entries:\n", "entries:\n  - <<: {id: merged}\n", 1),
    "duplicate-key": lambda t: t.replace("\n    question:", "\n    question: Again?\n    question:", 1),
    "duplicate-top-key": lambda t: t + "entries: []\n",
    "unclosed-quote": lambda t: t.replace("    question: ", '    question: "', 1),
    "unclosed-bracket": lambda t: t + "extra: [1, 2\n",
    "bad-indent": lambda t: t.replace("\n    question:", "\n      question:", 1),
    "tab-indent": lambda t: t.replace("\n    question:", "\n\tquestion:", 1),
    "python-tag": lambda t: "entries: !!python/object/apply:os.system ['echo owned']\n",
    "custom-tag": lambda t: t.replace("entries:", "entries: !include other.yaml\nx:", 1),
    "two-documents": lambda t: t + "---\ntopic: {id: second, title: Second}\n",
    "unhashable-key": lambda t: t + "? [a, b]\n: 1\n",
    "binary-junk": lambda t: bytes(range(256)) * 4,
}


@pytest.mark.parametrize("kind", list(RAW_BREAKS))
def test_raw_breakage_is_a_knowledge_error_naming_the_file(broken: Broken, kind: str) -> None:
    name = FAQ_FILES[list(RAW_BREAKS).index(kind) % len(FAQ_FILES)]
    broken_text = RAW_BREAKS[kind](broken.text(name))
    path = broken.knowledge / name
    if isinstance(broken_text, bytes):
        path.write_bytes(broken_text)
    else:
        path.write_text(broken_text, encoding="utf-8")
    located(broken.problems(), name)


@pytest.mark.parametrize(
    "kind",
    [
        "impossible-date",
        "deep-nesting",
    ],
)
def test_values_yaml_cannot_build_are_knowledge_errors(broken: Broken, kind: str) -> None:
    if kind == "impossible-date":
        text = broken.text("timeline.yaml").replace("date: 1950", "date: 2022-02-30", 1)
        assert "2022-02-30" in text
        (broken.knowledge / "timeline.yaml").write_text(text, encoding="utf-8")
    else:
        (broken.knowledge / "timeline.yaml").write_text("events: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    located(broken.problems(), "timeline.yaml")


def test_every_problem_of_many_breaks_is_reported_at_once(broken: Broken) -> None:
    names = FAQ_FILES[:4]
    broken.change(names[0], lambda d: d["entries"][0].pop("answer"))
    broken.change(names[1], lambda d: d["entries"][0].__setitem__("related", ["nowhere"]))
    (broken.knowledge / names[2]).write_bytes(b"\xff")
    (broken.knowledge / names[3]).write_text(_billion_laughs(), encoding="utf-8")
    problems = broken.problems()
    for name in names:
        located(problems, name)


# ------------------------------------------------------------------------------------- the command line


def _check(broken: Broken) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KZBOT_"))}
    env.update(KZBOT_KNOWLEDGE_DIR=str(broken.knowledge), KZBOT_SEEDS_DIR=str(broken.seeds))
    return subprocess.run(
        [sys.executable, "-m", "kzbot", "check"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_check_reports_each_problem_on_one_line_and_exits_78(broken: Broken) -> None:
    name = FAQ_FILES[0]
    entry_id = broken.data(name)["entries"][0]["id"]

    def edit(data: Any) -> None:
        data["entries"][0].pop("answer")
        data["entries"][1]["actors"] = ["no-such-person"]

    broken.change(name, edit)
    (broken.knowledge / "timeline.yaml").write_bytes(b"events:\n  - id: x\xff\n")
    proc = _check(broken)
    assert proc.returncode == 78
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    head, *lines = proc.stderr.splitlines()
    assert head.startswith(f"kzbot: the knowledge base has {len(lines)} problems"), head
    assert len(lines) >= 3
    assert all(line.startswith("  ") and ".yaml" in line for line in lines)
    assert any(name in line and f"entry {entry_id!r}" in line and "field 'answer'" in line for line in lines)
    assert any(name in line and "field 'actors'" in line and "no-such-person" in line for line in lines)
    assert any("timeline.yaml:2" in line and "UTF-8" in line for line in lines)


def test_check_refuses_a_yaml_bomb_quickly_and_plainly(broken: Broken) -> None:
    (broken.knowledge / "lexicon.yaml").write_text(_billion_laughs(), encoding="utf-8")
    proc = _check(broken)
    assert proc.returncode == 78
    assert "Traceback" not in proc.stderr
    assert any("lexicon.yaml" in line and "alias" in line for line in proc.stderr.splitlines()[1:])


# ----------------------------------------------------------------------------------- YAML read safely

UNSAFE_FUNCTIONS = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
UNSAFE_LOADERS = {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader"}
LOADER_TAKING = {"compose", "compose_all", "parse", "scan"}
SAFE_LOADERS = {"SafeLoader", "CSafeLoader"}
SKIP_DIRS = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist"}


def _project_python_files() -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        out += [Path(dirpath) / f for f in filenames if f.endswith(".py")]
    return sorted(out)


def unsafe_yaml_uses(source: str, filename: str = "<source>") -> list[str]:
    """Every place `source` reads YAML other than with safe_load or a SafeLoader, as 'file:line: what'."""
    tree = ast.parse(source, filename)
    safe_names = set(SAFE_LOADERS)
    for node in ast.walk(tree):  # names bound to a safe loader, e.g. getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            text = ast.unparse(node.value)
            if any(s in text for s in SAFE_LOADERS) and not any(f"yaml.{u}" in text for u in UNSAFE_LOADERS):
                safe_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "yaml":
            for alias in node.names:
                if alias.name in UNSAFE_FUNCTIONS | UNSAFE_LOADERS:
                    report(node, f"from yaml import {alias.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml":
            if node.attr in UNSAFE_FUNCTIONS | UNSAFE_LOADERS:
                report(node, f"yaml.{node.attr}")
        elif isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            named_attr = node.args[1] if callee == "getattr" and len(node.args) >= 2 else None
            if isinstance(named_attr, ast.Constant) and named_attr.value in UNSAFE_FUNCTIONS | UNSAFE_LOADERS:
                report(node, f"getattr(yaml, {named_attr.value!r})")
            if callee.startswith("yaml.") and callee.removeprefix("yaml.") in LOADER_TAKING:
                loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
                if loader is None and len(node.args) >= 2:
                    loader = node.args[1]
                named = ast.unparse(loader).removeprefix("yaml.") if loader is not None else ""
                if named not in safe_names:
                    report(node, f"{callee} without a SafeLoader (Loader={named or 'missing'})")
    return found


def test_the_project_reads_yaml_only_safely() -> None:
    files = _project_python_files()
    assert ROOT / "kzbot" / "knowledge.py" in files
    found = []
    for path in files:
        found += unsafe_yaml_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "YAML must be read with yaml.safe_load or a SafeLoader:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "import yaml\nyaml.load(text, Loader=yaml.SafeLoader)",
        "import yaml\nyaml.unsafe_load(text)",
        "import yaml\nyaml.full_load(text)",
        "import yaml\nyaml.load_all(text)",
        "import yaml\nyaml.safe_load(text, Loader=yaml.Loader)",
        "import yaml\nyaml.compose(text, Loader=yaml.FullLoader)",
        "import yaml\nyaml.compose(text)",
        "import yaml\nL = yaml.UnsafeLoader\nL(text).get_single_node()",
        "from yaml import load\nload(text)",
        "from yaml import CLoader",
        "import yaml\ngetattr(yaml, 'unsafe_load')(text)",
    ],
)
def test_the_scan_catches_each_unsafe_form(source: str) -> None:
    assert unsafe_yaml_uses(source), f"the scan missed: {source!r}"


@pytest.mark.parametrize(
    "source",
    [
        "import yaml\nyaml.safe_load(text)",
        "import yaml\nyaml.compose(text, Loader=yaml.SafeLoader)",
        "import yaml\nL = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\nyaml.compose(text, Loader=L)",
        "import yaml\nyaml.safe_dump(data)",
    ],
)
def test_the_scan_accepts_the_safe_forms(source: str) -> None:
    assert unsafe_yaml_uses(source) == []

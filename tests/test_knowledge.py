"""The shipped knowledge base loads; every validator message is produced for the edit that deserves it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kzbot import knowledge
from kzbot.errors import KnowledgeError, Problem
from kzbot.text import fold_quote

ROOT = Path(__file__).resolve().parent.parent
FIRST_QUOTE = "China verbally supported Kazakhstan’s leaders’ deadly crackdown"


class Copy:
    """A writable copy of knowledge/ and seeds/ to break on purpose."""

    def __init__(self, base: Path) -> None:
        self.knowledge = base / "knowledge"
        self.seeds = base / "seeds"
        shutil.copytree(ROOT / "knowledge", self.knowledge)
        shutil.copytree(ROOT / "seeds", self.seeds)

    def edit(self, name: str, old: str, new: str, count: int = 1) -> None:
        path = self.knowledge / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the test's anchor {old!r} is not in {name}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    def problems(self) -> list[Problem]:
        with pytest.raises(KnowledgeError) as caught:
            knowledge.load(self.knowledge, self.seeds)
        return list(caught.value.problems)


@pytest.fixture
def copy(tmp_path: Path) -> Copy:
    return Copy(tmp_path)


def _find(problems: list[Problem], file: str, entry: str | None, field: str | None, message: str) -> Problem:
    for problem in problems:
        if (
            problem.file.endswith(file)
            and problem.entry == entry
            and problem.field == field
            and message in problem.message
        ):
            return problem
    raise AssertionError(f"no problem {file}/{entry}/{field}/{message!r} in:\n" + "\n".join(map(str, problems)))


# ------------------------------------------------------------------------------------ the shipped base


def test_shipped_knowledge_loads_and_is_large_enough(kb: knowledge.KnowledgeBase) -> None:
    assert len(kb.entries) >= 70
    assert len(kb.actors) >= 30
    assert len(kb.sources) == 5
    assert {s.seed for s in kb.sources.values()} == {p.name for p in (ROOT / "seeds").glob("*.txt")}
    assert kb.summary().startswith(f"{len(kb.entries)} entries in {len(kb.topics)} topics")


def test_every_entry_is_sourced_and_within_limits(kb: knowledge.KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert entry.sources, entry.id
        assert 0 < len(entry.answer) <= knowledge.MAX_ANSWER, entry.id
        assert len(entry.phrasings) >= 4, entry.id
        assert entry.question.endswith("?"), entry.id


def test_every_quote_is_verbatim_in_its_seed(kb: knowledge.KnowledgeBase) -> None:
    seeds = {sid: fold_quote((ROOT / "seeds" / s.seed).read_text(encoding="utf-8")) for sid, s in kb.sources.items()}
    quotes = list(knowledge.iter_quotes(kb))
    assert len(quotes) > len(kb.entries)
    for owner, quote in quotes:
        assert fold_quote(quote.quote) in seeds[quote.source], owner


def test_outlets_are_named_only_where_the_article_names_them(kb: knowledge.KnowledgeBase) -> None:
    outlets = {s.seed[:3]: s.outlet for s in kb.sources.values()}
    assert outlets == {"000": "AP", "001": None, "002": None, "003": "The Wall Street Journal", "004": None}


def test_every_headline_is_the_articles_own_and_an_untitled_one_is_cited_by_its_opening_words(
    kb: knowledge.KnowledgeBase,
) -> None:
    for source in kb.sources.values():
        seed = fold_quote((ROOT / "seeds" / source.seed).read_text(encoding="utf-8"))
        if source.headline is not None:
            assert seed.startswith(fold_quote(source.headline)), source.id
            assert source.label in (source.outlet, source.headline)
    untitled = kb.sources["accommodating"]
    assert untitled.headline is None
    assert untitled.opening == "China seems to be perfectly accommodating…"
    assert untitled.label == "Untitled article beginning “China seems to be perfectly accommodating…”"


def test_translation_slips_are_aliases_of_the_right_people(kb: knowledge.KnowledgeBase) -> None:
    aliases = {a.id: {x.casefold() for x in (a.name, *a.aliases)} for a in kb.actors.values()}
    assert "kassym-jomart kaev" in aliases["tokayev"]
    assert {"tleuberdi", "tileuberdi"} <= {w for x in aliases["tileuberdi"] for w in x.split()}
    assert "victor oban" in aliases["viktor-orban"]
    assert "noursultan" in aliases["kazakh-government"]


def test_actor_mentions_are_worked_out_from_entries(kb: knowledge.KnowledgeBase) -> None:
    assert "why-no-troops" in kb.actors["rana-mitter"].mentioned_in
    for actor in kb.actors.values():
        for entry_id in actor.mentioned_in:
            assert actor.id in kb.entries[entry_id].actors


def test_the_knowledge_base_is_immutable(kb: knowledge.KnowledgeBase) -> None:
    with pytest.raises(TypeError):
        kb.entries["x"] = kb.entries["why-no-troops"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        kb.entries["why-no-troops"].answer = "changed"  # type: ignore[misc]


# --------------------------------------------------------------------------------- every message


def test_yaml_syntax_error_names_the_line(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "  title: Troops and intervention", "  title: [Troops and intervention")
    problem = _find(copy.problems(), "faq-troops.yaml", None, None, "YAML syntax error")
    assert problem.line is not None and problem.line > 1
    assert str(problem).startswith(f"{problem.file}:{problem.line}: YAML syntax error")


def test_unknown_field_suggests_the_right_one(copy: Copy) -> None:
    copy.edit(
        "faq-troops.yaml",
        "    answer: >-\n      AP reports China backed",
        "    anwser: >-\n      AP reports China backed",
    )
    problems = copy.problems()
    _find(problems, "faq-troops.yaml", "why-no-troops", "anwser", "unknown field (did you mean 'answer'?)")
    _find(problems, "faq-troops.yaml", "why-no-troops", "answer", "missing required field")


def test_missing_field(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "    question: Why didn't China send troops to Kazakhstan?\n", "")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "question", "missing required field")


def test_wrong_type(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "question: Why didn't China send troops to Kazakhstan?", "question: [Why, not]")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "question", "must be text, not a list")


def test_places_must_be_a_list(copy: Copy) -> None:
    copy.edit("actors.yaml", "    places: [Nur-Sultan, Noursultan, Astana]", "    places: Nur-Sultan")
    _find(copy.problems(), "actors.yaml", "kazakh-government", "places", "must be a list")


def test_empty_answer(copy: Copy) -> None:
    copy.edit(
        "faq-troops.yaml", "    answer: >-\n      AP reports China backed", '    answer: ""\n    details2: >-\n      x'
    )
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "answer", "must not be empty")


def test_answer_over_the_length_limit(copy: Copy) -> None:
    copy.edit(
        "faq-troops.yaml", "    answer: >-\n      AP reports", "    answer: >-\n      " + "very " * 70 + "AP reports"
    )
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "answer", "characters; the limit is 300")


def test_duplicate_id_across_files(copy: Copy) -> None:
    copy.edit("faq-unrest.yaml", "  - id: unrest-start\n", "  - id: why-no-troops\n")
    _find(copy.problems(), "faq-unrest.yaml", "why-no-troops", "id", "duplicate id (also in")


def test_unknown_source(copy: Copy) -> None:
    copy.edit(
        "faq-troops.yaml", f'source: ap\n        quote: "{FIRST_QUOTE}', f'source: apx\n        quote: "{FIRST_QUOTE}'
    )
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "sources", "unknown source 'apx' (did you mean 'ap'?)")


def test_unknown_actor(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "actors: [rana-mitter,", "actors: [rana-miter,")
    _find(
        copy.problems(),
        "faq-troops.yaml",
        "why-no-troops",
        "actors",
        "unknown actor 'rana-miter' (did you mean 'rana-mitter'?)",
    )


def test_unknown_related_entry(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "related: [china-offered-troops,", "related: [china-offered-troop,")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "related", "unknown entry 'china-offered-troop'")


def test_entry_related_to_itself(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "related: [china-offered-troops,", "related: [why-no-troops,")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "related", "cannot be related to itself")


def test_quote_not_verbatim(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "China verbally supported", "China loudly supported")
    _find(
        copy.problems(),
        "faq-troops.yaml",
        "why-no-troops",
        "sources",
        "quote not found verbatim in seeds/000_08e14830b33f8f90.txt: 'China loudly supported",
    )


def test_quote_check_ignores_only_typographic_quotes_and_white_space(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", FIRST_QUOTE, "China  verbally supported Kazakhstan's leaders'\n deadly crackdown")
    knowledge.load(copy.knowledge, copy.seeds)  # straight apostrophes and extra spaces are the same quote
    copy.edit("faq-troops.yaml", "China  verbally supported Kazakhstan's", "china verbally supported Kazakhstan's")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "sources", "quote not found verbatim")


def test_phrasings_too_alike_across_entries(copy: Copy) -> None:
    copy.edit(
        "faq-unrest.yaml",
        "    phrasings:\n",
        "    phrasings:\n      - why did china not send troops\n",
    )
    problem = _find(copy.problems(), "faq-unrest.yaml", "unrest-start", "phrasings", "cannot tell them apart")
    assert (
        "'why did china not send troops' is too close to 'why didnt china send troops' of entry 'why-no-troops'"
        in str(problem)
    )


def test_an_actors_asked_as_too_alike_an_entrys_phrasing(copy: Copy) -> None:
    copy.edit(
        "faq-unrest.yaml",
        "    phrasings:\n",
        "    phrasings:\n      - who wrote the wall street journal articles\n",
    )
    problem = _find(copy.problems(), "actors.yaml", "yaroslav-trofimov", "asked_as", "cannot tell them apart")
    assert (
        "asked_as 'who wrote the wall street journal article' is too close to "
        "'who wrote the wall street journal articles' of entry 'unrest-start'" in str(problem)
    )


def test_two_actors_asked_as_too_alike(copy: Copy) -> None:
    copy.edit(
        "actors.yaml",
        "    name: Government of Kazakhstan\n",
        "    name: Government of Kazakhstan\n    asked_as:\n      - wall street journal article author\n",
    )
    problems = [p for p in copy.problems() if "asked_as" in p.message]
    assert len(problems) == 1, problems  # one clash, reported once
    assert problems[0].entry == "kazakh-government"
    assert "of actor 'yaroslav-trofimov'" in problems[0].message


def test_duplicate_key(copy: Copy) -> None:
    copy.edit(
        "faq-troops.yaml", "  title: Troops and intervention\n", "  title: Troops and intervention\n  title: Again\n"
    )
    _find(copy.problems(), "faq-troops.yaml", None, None, "duplicate key 'title'")


def test_anchors_and_aliases_are_refused(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "  title: Troops and intervention\n", "  title: &t Troops and intervention\n  x: *t\n")
    _find(copy.problems(), "faq-troops.yaml", None, None, "anchors and aliases (&name / *name) are not allowed")


def test_question_needs_a_question_mark(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "send troops to Kazakhstan?\n", "send troops to Kazakhstan\n")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "question", "must end with a question mark")


def test_too_few_phrasings(copy: Copy) -> None:
    path = copy.knowledge / "faq-troops.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("    phrasings:\n") + 1
    end = start
    while lines[end].startswith("      - "):
        end += 1
    del lines[start + 2 : end]
    path.write_text("".join(lines), encoding="utf-8")
    _find(copy.problems(), "faq-troops.yaml", "why-no-troops", "phrasings", "has 2 phrasings; give 4 to 40")


def test_yaml_booleans_in_a_word_list_are_explained(copy: Copy) -> None:
    copy.edit("lexicon.yaml", "stopwords:\n", "stopwords:\n  - on\n")
    _find(copy.problems(), "lexicon.yaml", None, "stopwords", "item 1 was read as true, not text")


def test_synonym_variant_in_two_groups(copy: Copy) -> None:
    copy.edit("lexicon.yaml", "    - ppl\n", "    - ppl\n    - moscow\n")
    _find(copy.problems(), "lexicon.yaml", None, "synonyms", "'moscow' is listed under both 'russia' and 'people'")


def test_actor_kind_and_name_in_sources(copy: Copy) -> None:
    text = (copy.knowledge / "actors.yaml").read_text(encoding="utf-8")
    block = text[text.index("  - id: rana-mitter") :]
    block = block[: block.index("\n\n")]
    broken = block.replace("kind: person", "kind: expert").replace("sources: [ap]", "sources: [ap, wsj]")
    assert broken != block
    (copy.knowledge / "actors.yaml").write_text(text.replace(block, broken), encoding="utf-8")
    problems = copy.problems()
    _find(problems, "actors.yaml", "rana-mitter", "kind", "'expert' is not one of: person, organisation, media")
    _find(problems, "actors.yaml", "rana-mitter", "sources", "neither the name nor an alias appears in seeds/003_")


def test_missing_seed_file(copy: Copy) -> None:
    (copy.seeds / "004_0c8c13cbe68ee4ba.txt").unlink()
    _find(copy.problems(), "sources.yaml", "accommodating", "seed", "004_0c8c13cbe68ee4ba.txt not found")


def test_a_headline_the_article_does_not_have_is_refused(copy: Copy) -> None:
    copy.edit(
        "sources.yaml",
        '    headline: "Kazakhstan crisis shows Russia still trumps Chinese power in Central Asia"\n',
        '    headline: "Russia outguns China in Central Asia"\n',
    )
    copy.edit(
        "sources.yaml",
        "    seed: 004_0c8c13cbe68ee4ba.txt\n",
        "    seed: 004_0c8c13cbe68ee4ba.txt\n    headline: China accommodates Russia’s intervention in Kazakhstan\n",
    )
    problems = copy.problems()
    wsj = _find(problems, "sources.yaml", "wsj", "headline", "headline not found verbatim in seeds/003_")
    assert "'Russia outguns China in Central Asia'" in wsj.message
    assert "leave the headline out for an untitled article" in wsj.message
    _find(problems, "sources.yaml", "accommodating", "headline", "headline not found verbatim in seeds/004_")
    assert len(problems) == 2


def test_an_empty_headline_is_refused_rather_than_read_as_untitled(copy: Copy) -> None:
    ap_headline = '    headline: "Why didn’t China send troops to support Kazakhstan?"\n'
    copy.edit("sources.yaml", ap_headline, "    headline:\n")
    _find(copy.problems(), "sources.yaml", "ap", "headline", "leave it out for an untitled article")


def test_bad_timeline_date(copy: Copy) -> None:
    copy.edit("timeline.yaml", "    date: 1989\n", "    date: sometime in 1989\n")
    _find(copy.problems(), "timeline.yaml", "party-suppresses-democracy-challenge", "date", "must be a date")


def test_invalid_utf8(copy: Copy) -> None:
    path = copy.knowledge / "faq-opinion.yaml"
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"topic:", b"topic:\xff", 1))
    problem = _find(copy.problems(), "faq-opinion.yaml", None, None, "not valid UTF-8 (byte 0xff)")
    assert problem.line == raw[: raw.index(b"topic:")].count(b"\n") + 1


def test_empty_file(copy: Copy) -> None:
    (copy.knowledge / "faq-opinion.yaml").write_text("  \n", encoding="utf-8")
    _find(copy.problems(), "faq-opinion.yaml", None, None, "the file is empty")


def test_unexpected_and_missing_files(copy: Copy) -> None:
    (copy.knowledge / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    (copy.knowledge / "lexicon.yaml").unlink()
    problems = copy.problems()
    _find(problems, "notes.yaml", None, None, "unexpected file: FAQ files are named faq-<topic>.yaml")
    _find(problems, "lexicon.yaml", None, None, "the file is missing")


def test_known_gaps_are_checked_like_entries(copy: Copy) -> None:
    copy.edit("unanswered.yaml", "    see: [unrest-death-toll, unrest-tokayev-grip]\n", "    see: [unrest-death-tol]\n")
    copy.edit("unanswered.yaml", "  - id: populations\n", "  - id: why-no-troops\n")
    copy.edit(
        "unanswered.yaml",
        "    note: The articles give only an overall death toll, with no figure for police or soldiers killed.\n",
        "    note: ''\n",
    )
    copy.edit(
        "unanswered.yaml",
        "      - did kazakhstan shut down the internet\n",
        "      - why didnt china send troops\n",
    )
    problems = copy.problems()
    hint = "unknown entry 'unrest-death-tol' (did you mean 'unrest-death-toll'?)"
    _find(problems, "unanswered.yaml", "arrests", "see", hint)
    _find(problems, "unanswered.yaml", "security-force-deaths", "note", "must not be empty")
    problem = _find(problems, "unanswered.yaml", "why-no-troops", "id", "an FAQ entry has the same id (in ")
    assert problem.message.endswith("faq-troops.yaml)")
    problem = _find(problems, "unanswered.yaml", "internet-shutdown", "phrasings", "cannot tell them apart")
    assert "is too close to 'why didnt china send troops' of entry 'why-no-troops'" in str(problem)


def test_a_known_gap_needs_two_phrasings_and_a_short_note(copy: Copy) -> None:
    copy.edit(
        "unanswered.yaml",
        "      - was the china kazakhstan border closed\n      - did china close the border during the riots\n",
        "",
    )
    long_note = "    note: " + "x" * 200 + " China"
    copy.edit("unanswered.yaml", "    note: The articles do not say whether the China", long_note)
    problems = copy.problems()
    _find(problems, "unanswered.yaml", "border-closure", "phrasings", "has 1 phrasings; give 2 to 40")
    _find(problems, "unanswered.yaml", "border-closure", "note", "the limit is 200")


def test_the_known_gaps_file_is_optional(copy: Copy) -> None:
    (copy.knowledge / "unanswered.yaml").unlink()
    kb = knowledge.load(copy.knowledge, copy.seeds)
    assert kb.gaps == () and "0 known gaps" in kb.summary()


def test_missing_knowledge_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="the knowledge directory does not exist"):
        knowledge.load(tmp_path / "nowhere", ROOT / "seeds")


def test_all_problems_are_reported_at_once(copy: Copy) -> None:
    copy.edit("faq-troops.yaml", "China verbally supported", "China loudly supported")
    copy.edit("faq-unrest.yaml", "  - id: unrest-start\n", "  - id: why-no-troops\n")
    messages = [p.message for p in copy.problems()]
    assert any("quote not found verbatim" in m for m in messages)
    assert any("duplicate id" in m for m in messages)

"""Every number the matcher tunes, in one frozen object, each with what it does.

The relevance weights at the end are fitted, not chosen, and so are the confidence's trees in the file named last:
`python -m kzbot.matching.fit --write` re-fits both on the labelled development sets (never on a set reported as
held out).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # --- reading the question
    max_query_chars: int = 500  # longer text is declined unread
    memo_words: int = 20_000  # words whose spelling fix or name likeness is remembered, before the memo is cleared
    clause_retries: int = 2  # a message of several clauses, not answered whole, is retried on this many (last first)
    clause_chatter: int = 2  # …as is one answered whole with at least this many words no entry knows
    clause_answer_cutoff: float = 0.9  # …and one clause's answer is used only from this confidence up
    # --- spelling
    typo_score_cutoff: float = 82.0  # an unknown word is corrected to a known one at least this alike (ratio)
    typo_min_length: int = 5  # shorter unknown words are left alone: too many near neighbours
    typo_first_letter_bonus: float = 1.0  # among near-equal corrections, one with the typed first letter wins
    stopword_typo_score_cutoff: float = 90.0  # a slip for a stop word must be closer still ("weather" ≠ "whether")
    # --- retrieval (BM25 over each entry's fields, presence-weighted)
    bm25_k1: float = 1.2  # saturation: a word present in every field counts at most this much more
    weight_phrasings: float = 1.0  # the entry's question and phrasings
    weight_answer: float = 0.6  # its answer and details
    weight_quotes: float = 0.35  # its verbatim quotes
    weight_actors: float = 0.5  # the names of the people and bodies it is about
    likelihood_prior: float = 60.0  # Dirichlet smoothing: counts an entry needs before its own bag outweighs the KB's
    likelihood_answer: float = 2.0  # a stem in the answer or details counts as this many phrasings holding it
    likelihood_quotes: float = 1.0  # …in a quote
    likelihood_actors: float = 1.0  # …in an actor's name
    unknown_idf_factor: float = 1.2  # a word no entry knows weighs this many times the rarest known word
    gap_candidates: int = 3  # known gaps weighed against the best entry, the best by BM25
    # Entries scored closely (fuzzy similarity, relevance model): the best by BM25… Ten, not six: cross-validated
    # over whole development sets, 87.1 % right and 3.8 % wrong against 86.4 % and 4.2 %, for about 20 µs a question.
    candidates: int = 10
    phrasing_candidates: int = 3  # …and the best by what their question and phrasings alone hold
    exact_phrasing: float = 97.0  # a question this like a phrasing (token-sort ratio) ranks that entry first
    # --- decision
    answer_cutoff: float = 0.5  # answer when the calibrated confidence reaches this
    suggest_cutoff: float = 0.18  # below the answer cutoff, offer suggestions from this confidence up
    suggestion_share: float = 0.12  # an entry is suggested (or offered as "Also") from this share of belief up
    # …beside an answer only when its share is at least this part of the top entry's. Low, so a wrong answer
    # often carries the right entry as a button (on the development sets 22 of 84 wrong answers, against 4 at 0.5),
    # at the cost of an "Also" button on about one right answer in ten (against one in fifty).
    also_ratio: float = 0.1
    detail_window: int = 5  # a phrase asking for a figure or date ("how many") opens the question, within these words
    gap_similarity: float = 80.0  # a known gap's phrasing lies this much within the question (token-set ratio)…
    gap_word_share: float = 0.3  # …or it holds words no entry holds, this share of the question's IDF mass,
    gap_word_coverage: float = 0.6  # …and this share of the question's IDF mass in all
    gap_margin: float = 10.0  # …and its wording is no more than this much less alike than the best entry's
    also_count: int = 2  # entries offered beside an answer ("Also: …")
    suggest_count: int = 3  # entries offered when unsure ("Did you mean…")
    # --- actors
    asked_as_similarity: float = 90.0  # a question this like an actor's asked_as (sorted stems, ratio) gets the profile
    actor_suggestions: int = 5  # names offered when a look-up is unsure
    actor_suggest_band: float = 20.0  # …each within this many points of the best
    explaining_words: int = 10  # a phrasing that explains a name ("what is the csto") has at most this many words
    actor_found: float = 85.0  # a name scores at least this to be found
    actor_suggest: float = 60.0  # names from this score up are suggested
    actor_margin: float = 5.0  # the found name beats the runner-up by this much
    asking_words: int = 3  # a who_suffix this long ends the name wherever it stands ("… what does he think about …")
    actor_role_weight: float = 0.88  # a role or affiliation word counts this much of a name word
    name_question_words: int = 6  # a question of more words than this (fillers aside) is never only a name
    loose_name: float = 60.0  # every word of a name question must be at least this like a word of some name
    # --- autocomplete
    autocomplete_blend: float = 0.7  # share of the relevance score; the rest is resemblance of the typed text
    autocomplete_floor: float = 40.0  # blended score below which a question is not completed
    autocomplete_actor_floor: float = 50.0  # names less alike than this (WRatio) are not offered
    # --- fitted (python -m kzbot.matching.fit): relevance of a candidate, over relevance.FEATURES
    relevance_weights: tuple[float, ...] = (
        -0.170,
        -1.968,
        0.071,
        0.669,
        0.459,
        0.532,
        6.006,
        3.284,
        -0.776,
        3.304,
        0.884,
        0.932,
        0.932,
        -1.496,
        3.102,
    )
    relevance_bias: float = 0.000
    # --- fitted: confidence that the best candidate is right, over decision.FEATURES: boosted trees, too many
    # numbers for this file, in the JSON file named here (beside this one); "" for none (confidence 0)
    confidence_trees: str = "confidence-trees.json"


TUNING = Tuning()

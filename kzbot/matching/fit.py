"""Fit the relevance weights and the confidence's trees on labelled questions, cross-validated; with --write, put
the weights into tuning.py and the trees into confidence-trees.json.

    python -m kzbot.matching.fit tests/data/eval-tune.yaml tests/data/eval-dev-*.yaml --max-phrasings 0 4

(the command the shipped weights come from: every question scored twice, once with each entry's full phrasings
and once with only its first four, so the weights serve a new entry with few phrasings too).

Use only development sets: never a set whose figures are reported as held out (the judge set, the fresh sets,
eval-holdout and the blind sets). Needs scikit-learn (a development dependency, pinned: the trees are read from
its fitted model's nodes, and tests/matching/test_trees.py checks they predict what scikit-learn predicts).
Deterministic: the folds and the trees' seed are fixed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import KFold

from kzbot import knowledge
from kzbot.evaluate import read_cases
from kzbot.matcher import Matcher
from kzbot.matching.decision import FEATURES as CONFIDENCE_FEATURES
from kzbot.matching.decision import confidence_features
from kzbot.matching.reading import clean
from kzbot.matching.relevance import FEATURES as RELEVANCE_FEATURES
from kzbot.matching.relevance import Relevance
from kzbot.matching.similarity import Wording
from kzbot.matching.trees import nodes_json, trees_from_json
from kzbot.matching.tuning import TUNING

ROOT = Path(__file__).resolve().parents[2]
FOLDS = 5
FITTED = ("relevance_weights", "relevance_bias")
REGULARISATION = 1.0  # the ranker's inverse L2 strength
# The confidence's boosted trees: many small steps of small trees, each leaf backed by enough questions.
TREES = 150  # boosting rounds, one tree each
LEARNING_RATE = 0.08  # each tree's share of its own fit
LEAVES = 15  # leaves per tree at most (trees.py holds a tree's leaves in 16 bits)
MIN_LEAF = 30  # questions a leaf must hold
TREE_L2 = 1.0  # L2 penalty on the leaves' values


@dataclass(frozen=True)
class Sample:
    """One labelled question: its candidates' relevance features and which candidate (if any) is right."""

    features: np.ndarray  # (candidates, relevance.FEATURES)
    right: np.ndarray  # bool per candidate
    unknown: float
    stems: int
    on_topic: bool
    question: int = 0  # which labelled question (one question may be scored under several phrasing budgets)
    budget: int | None = None  # the phrasings per entry it was scored with (None: all)


def collect(matcher: Matcher, paths: list[Path], budget: int | None = None) -> list[Sample]:
    samples = []
    number = -1
    for path in paths:
        for case in read_cases(path):
            number += 1
            if case.kind == "actor":
                continue
            text = clean(case.question)
            folded_name = matcher.ask(case.question)
            if folded_name.actor is not None:  # a name question: decided before scoring, by name
                continue
            reading = matcher.stages.reader.read(text)
            scored = matcher.score(reading) if reading.stems else None
            if scored is None:
                continue
            ids = np.array([matcher.stages.entries[int(d)].id for d in scored.relevance.candidates])
            samples.append(
                Sample(
                    scored.relevance.features,
                    ids == case.expect,
                    scored.unknown,
                    len(reading.stems),
                    case.expect is not None,
                    number,
                    budget,
                )
            )
    return samples


def _relevance(sample: Sample, model: Listwise) -> Relevance:
    logit = model.decision_function(sample.features)
    order = np.argsort(-logit, kind="stable")
    empty = Wording(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
    share = np.exp(logit[order] - logit.max())
    return Relevance(order, sample.features[order], logit[order], share / share.sum(), empty)


@dataclass
class Listwise:
    """A conditional-logit ranker: the softmax over one question's candidates puts its mass on the right one."""

    coef_: np.ndarray
    intercept_: np.ndarray

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x @ self.coef_[0] + self.intercept_[0], dtype=np.float64)


def fit_listwise(samples: list[Sample]) -> Listwise:
    groups = [(s.features, int(np.argmax(s.right))) for s in samples if s.on_topic and s.right.any()]
    width = samples[0].features.shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * float(w @ w) / REGULARISATION, w / REGULARISATION
        for x, right in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            total -= float(np.log(p[right] + 1e-12))
            grad = grad - (x[right] - p @ x)
        return total, grad

    w = minimize(loss, np.zeros(width), jac=True, method="L-BFGS-B").x
    return Listwise(w[None, :], np.array([0.0]))


def fit(samples: list[Sample]) -> tuple[Listwise, HistGradientBoostingClassifier]:
    relevance = fit_listwise(samples)
    rows, labels = [], []
    for s in samples:
        ranked = _relevance(s, relevance)
        rows.append(confidence_features(ranked, s.unknown, s.stems))
        labels.append(bool(s.right[ranked.candidates[0]]))
    sure = HistGradientBoostingClassifier(
        max_iter=TREES,
        learning_rate=LEARNING_RATE,
        max_leaf_nodes=LEAVES,
        min_samples_leaf=MIN_LEAF,
        l2_regularization=TREE_L2,
        early_stopping=False,
        random_state=0,
    )
    return relevance, sure.fit(np.array(rows), np.array(labels))


def predict(samples: list[Sample], models: tuple[Listwise, HistGradientBoostingClassifier]) -> list[tuple[float, bool]]:
    """(confidence, top candidate is right) per sample."""
    relevance, sure = models
    out = []
    for s in samples:
        ranked = _relevance(s, relevance)
        value = float(sure.predict_proba(confidence_features(ranked, s.unknown, s.stems)[None, :])[0, 1])
        out.append((value, bool(s.right[ranked.candidates[0]])))
    return out


def report(samples: list[Sample], predictions: list[tuple[float, bool]]) -> list[str]:
    on = sum(s.on_topic for s in samples)
    off = len(samples) - on
    lines = [f"{len(samples)} questions scored ({on} on-topic, {off} off-topic); cross-validated, {FOLDS} folds"]
    first = sum(ok for (_, ok), s in zip(predictions, samples, strict=True) if s.on_topic)
    lines.append(f"  ranked first: {first / on:.1%} of on-topic questions")
    for cutoff in (0.3, 0.4, 0.5, 0.6, 0.7):
        right = sum(p >= cutoff and ok for (p, ok), s in zip(predictions, samples, strict=True) if s.on_topic)
        wrong = sum(p >= cutoff and not ok for (p, ok), s in zip(predictions, samples, strict=True) if s.on_topic)
        leak = sum(p >= cutoff for (p, _), s in zip(predictions, samples, strict=True) if not s.on_topic)
        lines.append(
            f"  cutoff {cutoff:.1f}: right {right / on:.1%}, wrong {wrong / on:.1%}, "
            f"off-topic answered {leak / max(off, 1):.1%}"
        )
    return lines


def export_trees(model: HistGradientBoostingClassifier) -> dict[str, Any]:
    """The fitted ensemble in the file's form (kzbot.matching.trees), to be evaluated without scikit-learn."""
    trees = []
    for (tree,) in model._predictors:  # one tree per round for a binary target
        nodes = tree.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "feature": np.where(leaf, -1, nodes["feature_idx"]).tolist(),
                "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),  # exact: a value can equal it
                "left": np.where(leaf, -1, nodes["left"].astype(np.int64)).tolist(),
                "right": np.where(leaf, -1, nodes["right"].astype(np.int64)).tolist(),
                "value": [float(f"{v:.9g}") for v in np.where(leaf, nodes["value"], 0.0)],
            }
        )
    return nodes_json(CONFIDENCE_FEATURES, float(np.ravel(model._baseline_prediction)[0]), trees)


def tuning_block(models: tuple[Listwise, HistGradientBoostingClassifier]) -> str:
    relevance, _ = models

    def numbers(name: str, values: np.ndarray) -> str:
        lines = "".join(f"        {v:.3f},\n" for v in values)
        return f"    {name}: tuple[float, ...] = (\n{lines}    )\n"

    return (
        numbers("relevance_weights", relevance.coef_[0])
        + f"    relevance_bias: float = {relevance.intercept_[0]:.3f}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzbot.matching.fit", description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="labelled development sets (YAML)")
    parser.add_argument(
        "--max-phrasings",
        type=int,
        nargs="*",
        default=None,
        metavar="N",
        help="fit as if each entry had only N phrasings; with several N (and 0 for all of them), on each at once",
    )
    parser.add_argument("--write", action="store_true", help="write the fitted weights into kzbot/matching/tuning.py")
    args = parser.parse_args(argv)
    kb = knowledge.load(ROOT / "knowledge", ROOT / "seeds")
    # Features do not depend on the weights being fitted: start from none, so a new feature needs no placeholder.
    blank = replace(
        TUNING,
        relevance_weights=(0.0,) * len(RELEVANCE_FEATURES),
        confidence_trees="",
    )
    budgets = [n or None for n in args.max_phrasings] if args.max_phrasings else [None]
    samples = [s for n in budgets for s in collect(Matcher(kb, blank, max_phrasings=n), args.sets, n)]
    predictions: list[tuple[float, bool]] = [(0.0, False)] * len(samples)
    questions = sorted({s.question for s in samples})
    # Folds by question: one question scored under two phrasing budgets is never on both sides of a fold.
    for train_q, _ in KFold(FOLDS, shuffle=True, random_state=0).split(questions):
        inside = {questions[i] for i in train_q}
        train = [i for i, s in enumerate(samples) if s.question in inside]
        test = [i for i, s in enumerate(samples) if s.question not in inside]
        models = fit([samples[i] for i in train])
        for i, value in zip(test, predict([samples[i] for i in test], models), strict=True):
            predictions[i] = value
    for n in budgets:
        picked = [i for i, s in enumerate(samples) if s.budget == n]
        print(f"phrasings per entry: {n or 'all'}")
        print("\n".join(report([samples[i] for i in picked], [predictions[i] for i in picked])))
    models = fit(samples)
    block = tuning_block(models)
    if args.write:
        write_tuning(block)
        trees = Path(__file__).with_name(TUNING.confidence_trees)
        exported = export_trees(models[1])
        trees_from_json(exported)  # refuses, before anything is written, trees the matcher could not read
        trees.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"\nFitted on all of them; the confidence's trees written to {trees.name}, and to tuning.py:\n" + block)
    else:
        print("\nFitted on all of them (the confidence's trees are written only with --write) — paste into")
        print("kzbot/matching/tuning.py (or run with --write):\n" + block)
    return 0


def write_tuning(block: str) -> None:
    """Replace the fitted assignments in tuning.py with the new ones."""
    path = Path(__file__).with_name("tuning.py")
    text = path.read_text(encoding="utf-8")
    for name in FITTED:
        pattern = re.compile(rf"^    {name}: [^\n]*?= (?:\(\n.*?^    \)\n|[^\n]*\n)", re.S | re.M)
        fresh = pattern.search(block)
        if fresh is not None:
            new = fresh.group(0)
            text = pattern.sub(lambda _: new, text)  # noqa: B023 - used at once, inside the loop
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

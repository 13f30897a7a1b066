"""The confidence's boosted trees: evaluated without scikit-learn, exactly as scikit-learn fitted them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from kzbot.matching.decision import FEATURES
from kzbot.matching.fit import export_trees
from kzbot.matching.trees import TreesError, load_trees, nodes_json, trees_from_json

# Two trees over two columns. Tree 0: column 0 at most 0.5 → node 1 (column 1 at most 2.0 → leaf +1, else leaf -1),
# else leaf +3. Tree 1 is a single leaf of -0.5.
TWO_JSON = nodes_json(
    ("a", "b"),
    0.25,
    [
        {
            "feature": [0, 1, -1, -1, -1],
            "threshold": [0.5, 2.0, 0.0, 0.0, 0.0],
            "left": [1, 3, -1, -1, -1],
            "right": [2, 4, -1, -1, -1],
            "value": [0.0, 0.0, 3.0, 1.0, -1.0],
        },
        {"feature": [-1], "threshold": [0.0], "left": [-1], "right": [-1], "value": [-0.5]},
    ],
)
TWO = trees_from_json(TWO_JSON)


@pytest.mark.parametrize(
    ("row", "logit"),
    [
        ((0.0, 0.0), 0.25 + 1.0 - 0.5),
        ((0.5, 2.0), 0.25 + 1.0 - 0.5),  # a value equal to the threshold goes left
        ((0.0, 2.5), 0.25 - 1.0 - 0.5),
        ((0.9, 9.0), 0.25 + 3.0 - 0.5),
    ],
)
def test_a_row_walks_every_tree_to_its_leaf(row: tuple[float, float], logit: float) -> None:
    assert TWO.logit(np.array(row)) == pytest.approx(logit)
    assert TWO.probability(np.array(row)) == pytest.approx(1.0 / (1.0 + np.exp(-logit)))


def test_exported_trees_predict_what_scikit_learn_predicts() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, len(FEATURES)))
    x[:, 3] = rng.integers(0, 3, size=len(x))  # a column of few values: rows fall exactly on the thresholds
    y = x[:, 0] * x[:, 1] + x[:, 3] > 0.5
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0).fit(x, y)
    trees = trees_from_json(json.loads(json.dumps(export_trees(model))))
    ours = np.array([trees.probability(row) for row in x[:300]])
    assert np.abs(ours - model.predict_proba(x[:300])[:, 1]).max() < 1e-9


def test_trees_fitted_on_other_features_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "trees.json"
    path.write_text(json.dumps(TWO_JSON), encoding="utf-8")
    assert load_trees(path, ("a", "b")).logit(np.array([0.0, 0.0])) == pytest.approx(0.75)
    with pytest.raises(TreesError, match="re-fit"):
        load_trees(path, ("a", "b", "c"))
    with pytest.raises(TreesError, match="cannot read"):
        load_trees(tmp_path / "missing.json", ("a", "b"))
    path.write_text("{", encoding="utf-8")
    with pytest.raises(TreesError, match="cannot read"):
        load_trees(path, ("a", "b"))


def test_trees_the_evaluator_cannot_hold_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "trees.json"
    bad_column = json.loads(json.dumps(TWO_JSON))
    bad_column["trees"][0]["feature"][1] = 2  # there are two columns: 0 and 1
    path.write_text(json.dumps(bad_column), encoding="utf-8")
    with pytest.raises(TreesError, match="tests feature 2"):
        load_trees(path, ("a", "b"))
    # A chain of 17 leaves: one more than a tree's leaves can be told apart by.
    n = 17
    inner = n - 1
    chain = {
        "feature": [0] * inner + [-1] * n,
        "threshold": [float(i) for i in range(inner)] + [0.0] * n,
        "left": [inner + i for i in range(inner)] + [-1] * n,
        "right": [i + 1 for i in range(inner - 1)] + [inner + inner] + [-1] * n,
        "value": [0.0] * (inner + n),
    }
    path.write_text(json.dumps(nodes_json(("a", "b"), 0.0, [chain])), encoding="utf-8")
    with pytest.raises(TreesError, match="more than 16 leaves"):
        load_trees(path, ("a", "b"))


def test_the_shipped_trees_fit_the_decision() -> None:
    from kzbot.matching.build import _trees
    from kzbot.matching.tuning import TUNING

    trees = _trees(TUNING.confidence_trees)
    assert trees is not None and trees.features == FEATURES and len(trees.starts) > 0


def test_the_fitting_script_reports_cross_validated_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from kzbot.config import PROJECT_ROOT
    from kzbot.matching import fit

    assert fit.main([str(PROJECT_ROOT / "tests" / "data" / "eval-tune.yaml"), "--max-phrasings", "0", "4"]) == 0
    out = capsys.readouterr().out
    assert out.count("ranked first:") == 2 and out.count("cutoff 0.5: right") == 2  # one report per phrasing budget
    assert "relevance_weights: tuple[float, ...] = (" in out  # the block for tuning.py; nothing is written

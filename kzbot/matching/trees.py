"""A fitted ensemble of boosted regression trees, read from JSON and evaluated with numpy (no scikit-learn at run
time). The decision's confidence is one: a baseline plus the value of the leaf each tree sends a question's
features to is the log-odds that the best candidate is the right entry.

The file holds the trees as nodes (`nodes_json`): an inner node sends a row left when its feature is at most its
threshold, right otherwise. To evaluate them without walking node by node, every tree's leaves are numbered left to
right and every inner node knows the leaves of its left subtree: a row that goes right at a node rules those out.
A row's leaf in each tree is the first one that no node has ruled out — a few numpy operations over all nodes at
once, however deep the trees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kzbot.errors import KzbotError

_MOST_LEAVES = 16  # leaves of a tree, as the bits of one uint16
_ALL = np.uint16(0xFFFF)
_LOWEST_BIT = np.zeros(1 << _MOST_LEAVES, dtype=np.uint8)  # a power of two -> which bit it is
_LOWEST_BIT[1 << np.arange(_MOST_LEAVES)] = np.arange(_MOST_LEAVES)


class TreesError(KzbotError):
    """The fitted trees file is missing, unreadable or does not fit the features."""


@dataclass(frozen=True)
class Trees:
    features: tuple[str, ...]  # the names of the columns it was fitted on, in order
    baseline: float  # log-odds before any tree
    feature: np.ndarray  # per inner node (grouped by tree), the column it tests
    threshold: np.ndarray  # …a row goes left when the column is at most this
    right_only: np.ndarray  # …its tree's leaves a row going right can still reach, as bits (uint16)
    starts: np.ndarray  # tree t's inner nodes start here
    leaf_value: np.ndarray  # every tree's leaves, left to right, tree after tree: what each adds to the log-odds
    leaf_starts: np.ndarray  # tree t's leaves start here

    def logit(self, row: np.ndarray) -> float:
        alive = np.bitwise_and.reduceat(
            np.where(row[self.feature] > self.threshold, self.right_only, _ALL), self.starts
        )
        first = _LOWEST_BIT[alive & (~alive + np.uint16(1))]  # per tree, its lowest bit still set: the leaf
        return self.baseline + float(self.leaf_value[self.leaf_starts + first].sum())

    def probability(self, row: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-self.logit(row))))


def nodes_json(
    features: tuple[str, ...],
    baseline: float,
    trees: list[dict[str, list[Any]]],
) -> dict[str, Any]:
    """The file's form. Each tree: parallel lists over its nodes, root first — `feature`, `threshold`, `left` and
    `right` (child indexes within the tree; -1 at a leaf) and `value` (what a leaf adds)."""
    return {"features": list(features), "baseline": baseline, "trees": trees}


def trees_from_json(data: dict[str, Any]) -> Trees:
    feature: list[int] = []
    threshold: list[float] = []
    masks: list[int] = []
    starts: list[int] = []
    values: list[float] = []
    leaf_starts: list[int] = []
    for tree in data["trees"]:
        starts.append(len(feature))
        leaf_starts.append(len(values))
        # A node no row fails, so that a tree of one leaf still has a node to reduce over.
        feature.append(0)
        threshold.append(float("inf"))
        masks.append(0)
        for index, leaves in _inner_nodes(tree, values):
            column = int(tree["feature"][index])
            if not 0 <= column < len(data["features"]):
                raise ValueError(f"a node tests feature {column}, of {len(data['features'])}")
            feature.append(column)
            threshold.append(float(tree["threshold"][index]))
            masks.append(leaves)
    return Trees(
        features=tuple(data["features"]),
        baseline=float(data["baseline"]),
        feature=np.asarray(feature, dtype=np.int64),
        threshold=np.asarray(threshold, dtype=np.float64),
        right_only=np.asarray([~m & 0xFFFF for m in masks], dtype=np.uint16),
        starts=np.asarray(starts, dtype=np.int64),
        leaf_value=np.asarray(values, dtype=np.float64),
        leaf_starts=np.asarray(leaf_starts, dtype=np.int64),
    )


def _inner_nodes(tree: dict[str, list[Any]], values: list[float]) -> list[tuple[int, int]]:
    """(node, bits of the leaves under its left branch) for every inner node; appends the leaves' values, left to
    right, to `values`."""
    first = len(values)
    inner: list[tuple[int, int]] = []

    def leaves_under(node: int) -> int:
        if tree["left"][node] < 0:
            values.append(float(tree["value"][node]))
            return 1 << (len(values) - 1 - first)
        left = leaves_under(int(tree["left"][node]))
        inner.append((node, left))
        return left | leaves_under(int(tree["right"][node]))

    leaves_under(0)
    if len(values) - first > _MOST_LEAVES:
        raise ValueError(f"a tree has more than {_MOST_LEAVES} leaves")
    return inner


def load_trees(path: Path, features: tuple[str, ...]) -> Trees:
    """The trees in `path`, checked against the features they will be given."""
    try:
        trees = trees_from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise TreesError(f"cannot read the fitted trees {path}: {exc}") from exc
    if trees.features != features:
        raise TreesError(
            f"the fitted trees {path} were fitted on other features than the matcher computes; "
            "re-fit them with python -m kzbot.matching.fit --write"
        )
    return trees

"""Fixed test splits and nested, stratified training subsets."""

import numpy as np

from dlbench.data.splits import nested_order, stratified_split

LABELS = np.array(["a"] * 60 + ["b"] * 30 + ["c"] * 10)


def test_stratified_split_is_fixed_disjoint_and_proportional():
    train, test = stratified_split(LABELS, 0.2)
    again_train, again_test = stratified_split(LABELS, 0.2)
    assert np.array_equal(train, again_train) and np.array_equal(test, again_test)
    assert not set(train) & set(test) and len(train) + len(test) == len(LABELS)
    assert {c: int((LABELS[test] == c).sum()) for c in "abc"} == {"a": 12, "b": 6, "c": 2}


def test_tiny_class_keeps_one_example_on_each_side():
    labels = np.array(["a"] * 20 + ["b"] * 2)
    train, test = stratified_split(labels, 0.1)
    assert "b" in labels[train] and "b" in labels[test]


def test_nested_prefixes_hold_every_class_and_follow_proportions():
    order = nested_order(LABELS, seed=3)
    assert sorted(order) == list(range(len(LABELS)))
    assert set(LABELS[order[:3]]) == {"a", "b", "c"}
    first_20 = LABELS[order[:20]]
    assert abs((first_20 == "a").sum() - 12) <= 1 and abs((first_20 == "b").sum() - 6) <= 1


def test_nested_order_depends_on_seed_only():
    assert np.array_equal(nested_order(LABELS, 1), nested_order(LABELS, 1))
    assert not np.array_equal(nested_order(LABELS, 1), nested_order(LABELS, 2))

"""Helpers the rule-based solvers share: label encoding, smoothed class distributions, first-matching-rule lookup.

Owns small numpy functions only; no solver lives here.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np


def encode_labels(y):
    """``(classes, codes, prior)``: sorted class names, each label's index, class frequencies."""
    classes, codes, counts = np.unique(np.asarray(y), return_inverse=True, return_counts=True)
    return classes, codes.ravel(), counts / counts.sum()


def as_strings(values):
    """A column of categories as strings (numpy object array), a missing value as ``<missing>``."""
    return values.astype(object).where(values.notna(), "<missing>").astype(str).to_numpy(dtype=object)


def smoothed(counts, prior):
    """Class distributions from class counts, shrunk towards ``prior`` by one pseudo-example.

    The m-estimate with m = 1: a row with data keeps its majority class (ties go to the more
    frequent class overall), an empty row becomes the prior.
    """
    counts = np.asarray(counts, dtype=float)
    return (counts + prior) / (counts.sum(axis=-1, keepdims=True) + 1.0)


def first_match(hits):
    """Index of the first rule that fires per row of ``hits`` (n, R), ``R`` (the default) if none."""
    hits = np.column_stack([np.asarray(hits, dtype=bool).reshape(len(hits), -1), np.ones(len(hits), bool)])
    return hits.argmax(axis=1)


def leaf_table(leaf, codes, n_leaves, prior):
    """Smoothed class distribution of the training examples that reach each leaf of a rule list."""
    counts = np.zeros((n_leaves, len(prior)))
    np.add.at(counts, (leaf, codes), 1)
    return smoothed(counts, prior)


@contextlib.contextmanager
def quiet():
    """Silence warnings, also those printed through ``warnings.showwarning`` (as wittgenstein does)."""
    with warnings.catch_warnings(record=True):  # record=True routes showwarning into a list
        warnings.simplefilter("ignore")
        yield


"""Datasets for the main job: scikit-learn's digits, or a user's numeric CSV.

Features are scaled to [0, 1] with the training split's per-feature min/max (the DAC's noise
management rescales each vector anyway; a fixed range keeps inputs non-negative and bounded).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DatasetError(ValueError):
    """The dataset file or its content is unusable; the message names the file and the problem."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # float64 [n, features] in [0, 1]
    y_train: np.ndarray  # int64 [n] in [0, classes)
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int

    @property
    def features(self) -> int:
        return self.x_train.shape[1]


def _split_and_scale(name: str, x: np.ndarray, labels: np.ndarray, test_fraction: float,
                     seed: int) -> Dataset:
    from sklearn.model_selection import train_test_split

    classes, y = np.unique(labels, return_inverse=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y)
    lo, hi = x_train.min(axis=0), x_train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    scale = lambda v: np.clip((v - lo) / span, 0.0, 1.0)  # noqa: E731
    return Dataset(name, scale(x_train), y_train.astype(np.int64), scale(x_test),
                   y_test.astype(np.int64), len(classes))


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 8x8 digits (1797 images, shipped with the library), stratified split."""
    from sklearn.datasets import load_digits as sk_digits

    data = sk_digits()
    return _split_and_scale("digits", data.data.astype(np.float64), data.target, test_fraction,
                            seed)


def load_csv(path: str | Path, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Numeric CSV, one sample per row, label in the last column; an optional header row."""
    path = Path(path)
    if path.is_dir():
        raise DatasetError(f"--dataset {path}: is a directory, expected a CSV file")
    if not path.is_file():
        raise DatasetError(f"--dataset {path}: no such file")
    try:
        # (line number in the file, text) of the non-blank lines, so errors point into the file
        rows = [(number, line.strip()) for number, line in
                enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1)
                if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"--dataset {path}: cannot read as text ({err})") from None
    if rows and not _is_numeric_row(rows[0][1]):
        rows = rows[1:]  # header
    table = []
    for number, line in rows:
        fields = line.split(",")
        try:
            table.append([float(f) for f in fields])
        except ValueError:
            raise DatasetError(f"--dataset {path}: line {number} is not all numbers: {line[:60]!r}"
                               ) from None
    if len(table) < 10:
        raise DatasetError(f"--dataset {path}: needs at least 10 numeric rows, found {len(table)}")
    widths = {len(r) for r in table}
    if len(widths) != 1:
        raise DatasetError(f"--dataset {path}: rows have different numbers of columns {sorted(widths)}")
    data = np.asarray(table)
    if data.shape[1] < 2:
        raise DatasetError(f"--dataset {path}: needs at least one feature column and a label column")
    if not np.all(np.isfinite(data)):
        raise DatasetError(f"--dataset {path}: contains NaN or infinite values")
    x, labels = data[:, :-1], data[:, -1]
    if np.any(labels != np.round(labels)):
        raise DatasetError(f"--dataset {path}: the last column must hold integer class labels")
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise DatasetError(f"--dataset {path}: needs at least 2 classes, found {len(classes)}")
    if counts.min() < 2:
        raise DatasetError(f"--dataset {path}: every class needs at least 2 samples for a "
                           f"stratified split (class {int(classes[counts.argmin()])} has 1)")
    return _split_and_scale(path.stem, x, labels.astype(np.int64), test_fraction, seed)


def _is_numeric_row(line: str) -> bool:
    try:
        [float(f) for f in line.split(",")]
        return True
    except ValueError:
        return False

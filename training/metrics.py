"""Classification metrics a person reads to judge an action model: overall, per class, and confusions.

Plain numpy so every model's stage reports the same numbers the same way; MMAction2's AccMetric
gives the same top-1 and mean class accuracy (the tests hold them to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts with true classes in rows and predicted classes in columns."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.shape[0]} labels but {predictions.shape[0]} predictions")
    for name, values in (("label", labels), ("prediction", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"a {name} lies outside 0..{num_classes - 1}: {sorted(set(values.tolist()))}")
    flat = np.bincount(labels * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """0 where nothing was counted (a class never predicted has precision 0, as sklearn reports it)."""
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


@dataclass
class ClassificationReport:
    """Everything the metrics file and the confusion-matrix plot of a classifier hold."""

    class_names: list[str]
    confusion: np.ndarray
    loss: float | None = None

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def support(self) -> np.ndarray:
        return self.confusion.sum(axis=1)

    @property
    def top1(self) -> float:
        return float(np.trace(self.confusion) / self.total) if self.total else 0.0

    @property
    def precision(self) -> np.ndarray:
        return _ratio(np.diag(self.confusion), self.confusion.sum(axis=0))

    @property
    def recall(self) -> np.ndarray:
        return _ratio(np.diag(self.confusion), self.support)

    @property
    def f1(self) -> np.ndarray:
        p, r = self.precision, self.recall
        return _ratio(2 * p * r, p + r)

    @property
    def mean_class_accuracy(self) -> float:
        """The mean recall over the classes present, as MMAction2 defines it."""
        present = self.support > 0
        return float(self.recall[present].mean()) if present.any() else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Nested plain numbers: `dvc metrics show` flattens them into columns."""
        out: dict[str, Any] = {"top1": self.top1, "mean_class_accuracy": self.mean_class_accuracy}
        if self.loss is not None:
            out["loss"] = self.loss
        for i, name in enumerate(self.class_names):
            out[name] = {
                "precision": float(self.precision[i]),
                "recall": float(self.recall[i]),
                "f1": float(self.f1[i]),
                "support": int(self.support[i]),
            }
        return out


def classification_report(
    labels: np.ndarray,
    scores: np.ndarray,
    class_names: list[str],
) -> ClassificationReport:
    """Metrics from per-class scores [N, C] (probabilities give a loss too) and true labels [N]."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if scores.ndim != 2 or scores.shape[1] != len(class_names):
        raise ValueError(f"scores have shape {list(scores.shape)}, expected [N, {len(class_names)}]")
    predictions = scores.argmax(axis=1) if len(scores) else np.zeros(0, dtype=np.int64)
    confusion = confusion_matrix(labels, predictions, len(class_names))
    loss = None
    if len(scores) and (scores >= 0).all() and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3):
        loss = float(-np.log(np.clip(scores[np.arange(len(labels)), labels], 1e-12, None)).mean())
    return ClassificationReport(class_names=list(class_names), confusion=confusion, loss=loss)

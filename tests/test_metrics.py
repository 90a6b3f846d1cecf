"""Classification metrics: hand-checked counts, the edge cases, and agreement with MMAction2's own."""

from __future__ import annotations

import numpy as np
import pytest

import mmstack
from training.metrics import classification_report, confusion_matrix

NAMES = ["NonFight", "Fight"]


def one_hot_scores(predictions: list[int], num_classes: int = 2) -> np.ndarray:
    scores = np.full((len(predictions), num_classes), 0.1 / (num_classes - 1))
    scores[np.arange(len(predictions)), predictions] = 0.9
    return scores


def test_confusion_matrix_counts_true_rows_predicted_columns():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 1, 1, 0, 2])
    assert confusion_matrix(labels, predictions, 3).tolist() == [[1, 2, 0], [1, 1, 0], [0, 0, 1]]


def test_report_matches_hand_computed_values():
    # 6 NonFight (4 right), 4 Fight (3 right): precision Fight = 3 / (3 + 2), recall Fight = 3 / 4
    labels = [0] * 6 + [1] * 4
    predictions = [0, 0, 0, 0, 1, 1] + [1, 1, 1, 0]
    report = classification_report(np.array(labels), one_hot_scores(predictions), NAMES)
    metrics = report.to_dict()
    assert metrics["top1"] == pytest.approx(7 / 10)
    assert metrics["mean_class_accuracy"] == pytest.approx((4 / 6 + 3 / 4) / 2)
    assert metrics["Fight"]["precision"] == pytest.approx(3 / 5)
    assert metrics["Fight"]["recall"] == pytest.approx(3 / 4)
    assert metrics["Fight"]["f1"] == pytest.approx(2 * 0.6 * 0.75 / (0.6 + 0.75))
    assert metrics["NonFight"]["precision"] == pytest.approx(4 / 5)
    assert metrics["NonFight"]["support"] == 6 and metrics["Fight"]["support"] == 4
    assert metrics["loss"] == pytest.approx(-(7 * np.log(0.9) + 3 * np.log(0.1)) / 10)


def test_never_predicted_class_has_zero_precision_not_nan():
    report = classification_report(np.array([0, 1, 1]), one_hot_scores([1, 1, 1]), NAMES)
    assert report.precision.tolist() == [0.0, pytest.approx(2 / 3)]
    assert report.f1[0] == 0.0
    assert np.isfinite(report.f1).all()


def test_mean_class_accuracy_skips_classes_absent_from_labels():
    report = classification_report(np.array([1, 1, 1, 1]), one_hot_scores([1, 1, 0, 1]), NAMES)
    assert report.mean_class_accuracy == pytest.approx(0.75)


def test_logits_give_no_loss_and_bad_shapes_raise():
    assert classification_report(np.array([0, 1]), np.array([[3.0, -1.0], [0.5, 2.0]]), NAMES).loss is None
    with pytest.raises(ValueError, match=r"expected \[N, 2\]"):
        classification_report(np.array([0, 1]), np.zeros((2, 3)), NAMES)
    with pytest.raises(ValueError, match="outside 0..1"):
        classification_report(np.array([0, 2]), np.zeros((2, 2)), NAMES)


def test_agrees_with_mmaction2_functions():
    functions = mmstack.import_module("mmaction.evaluation.functional")
    rng = np.random.default_rng(0)
    scores = rng.dirichlet(np.ones(4), size=200)
    labels = rng.integers(0, 4, size=200)
    report = classification_report(labels, scores, ["a", "b", "c", "d"])
    (top1,) = functions.top_k_accuracy(list(scores), list(labels), (1,))
    assert report.top1 == pytest.approx(top1)
    assert report.mean_class_accuracy == pytest.approx(functions.mean_class_accuracy(list(scores), list(labels)))

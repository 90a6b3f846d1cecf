"""The retrain gate and the model registry."""

from __future__ import annotations

import json

from tasks.promotion import Decision, Registry, gate, gate_rule


def decision(promoted: bool = True) -> Decision:
    return Decision(task="fight", promoted=promoted, reason="r", metric="mean_class_accuracy", new_value=0.9,
                    accepted_value=None, data_fingerprint="f" * 64, git_revision="abc")


def test_gate_first_model_is_promoted():
    promoted, reason = gate({"mean_class_accuracy": 0.7}, None, "mean_class_accuracy", 0.02)
    assert promoted and "no accepted model" in reason


def test_gate_allows_a_small_drop_and_refuses_a_large_one():
    accepted = {"metrics": {"mean_class_accuracy": 0.90}}
    assert gate({"mean_class_accuracy": 0.89}, accepted, "mean_class_accuracy", 0.02)[0]
    promoted, reason = gate({"mean_class_accuracy": 0.80}, accepted, "mean_class_accuracy", 0.02)
    assert not promoted
    assert reason == "mean_class_accuracy fell from 0.9000 to 0.8000, worse by more than the allowed 0.02"


def test_gate_on_an_error_metric_refuses_a_rise():
    accepted = {"metrics": {"pa_mpjpe": 10.0}}
    assert gate({"pa_mpjpe": 8.0}, accepted, "pa_mpjpe", 0.5, higher_is_better=False)[0]
    assert gate({"pa_mpjpe": 10.4}, accepted, "pa_mpjpe", 0.5, higher_is_better=False)[0]
    promoted, reason = gate({"pa_mpjpe": 12.0}, accepted, "pa_mpjpe", 0.5, higher_is_better=False)
    assert not promoted and "rose from 10.0000 to 12.0000" in reason


def test_gate_rule_takes_the_task_block_over_the_default():
    retrain = {"gate": {"metric": "mean_class_accuracy", "max_drop": 0.02},
               "tasks": {"fight": {}, "hand": {"gate": {"metric": "pa_mpjpe", "max_drop": 1.0, "higher_is_better": False}}}}
    assert gate_rule(retrain, "fight") == ("mean_class_accuracy", 0.02, True)
    assert gate_rule(retrain, "hand") == ("pa_mpjpe", 1.0, False)


def test_gate_needs_the_metric():
    promoted, reason = gate({"top1": 0.9}, None, "mean_class_accuracy", 0.02)
    assert not promoted and "'mean_class_accuracy'" in reason and "top1" in reason


def test_promote_replaces_the_model_whole(tmp_path):
    registry = Registry(tmp_path / "registry", "fight")
    first = tmp_path / "m1"
    first.mkdir()
    (first / "model.pth").write_bytes(b"one")
    (first / "config.py").write_text("a = 1\n")
    registry.promote(first, {"mean_class_accuracy": 0.8}, decision())
    second = tmp_path / "m2"
    second.mkdir()
    (second / "model.pth").write_bytes(b"two")
    target = registry.promote(second, {"mean_class_accuracy": 0.85}, decision())
    assert sorted(p.name for p in target.iterdir()) == ["model.pth"]
    assert (target / "model.pth").read_bytes() == b"two"
    assert registry.accepted()["metrics"] == {"mean_class_accuracy": 0.85}
    assert not [p for p in registry.folder.iterdir() if p.name.startswith(".")]


def test_decisions_and_builds_are_recorded(tmp_path):
    registry = Registry(tmp_path, "falldown")
    registry.record(decision(True))
    registry.record(decision(False))
    assert [d["promoted"] for d in registry.decisions()] == [True, False]
    registry.record_build("abc", {"x.mp4": [1, 2, "h"]})
    assert registry.last_build() == {"fingerprint": "abc", "files": {"x.mp4": [1, 2, "h"]}}
    assert json.loads((registry.folder / "builds.json").read_text())["fingerprint"] == "abc"

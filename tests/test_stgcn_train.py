"""A tiny STGCN++ run on small tables: it learns, logs what DVC reads, and its checkpoint is MMAction2's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import mmstack
from skeleton_factory import CLASSES, write_skeleton_tables
from training.stgcn.dataset import SkeletonTableDataset
from training.stgcn.params import StgcnParams
from training.stgcn.train import train

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
TINY = dict(num_stages=2, base_channels=16, clip_len=16, num_person=2, epochs=8, batch_size=4, lr=1e-2,
            warmup_epochs=1, class_weight={"Calm": 1.0, "Waving": 1.0})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("stgcn")
    tables = write_skeleton_tables(root / "skeletons", {"train": 12, "val": 8}, num_frames=32, realistic=True)
    data = yaml.safe_load((ROOT / "params.yaml").read_text())["stgcn"]["fight"]
    params = StgcnParams.from_dict({**data, **TINY, "data": str(tables)})
    return params, train(params, root / "model", root / "metrics"), root


def curve(root: Path, name: str) -> list[float]:
    with open(root / "metrics" / "plots" / "metrics" / f"{name}.tsv") as f:
        return [float(row[name.split("/")[-1]]) for row in csv.DictReader(f, delimiter="\t")]


def test_loss_falls_and_the_held_out_split_is_learned(run):
    params, result, root = run
    loss = curve(root, "train/loss")
    assert len(loss) == params.epochs
    assert loss[-1] < 0.8 * loss[0]
    assert result.report.top1 >= 0.75  # calm vs. waving arms: far above the 0.5 of chance


def test_metrics_json_is_what_dvc_and_the_retrain_gate_read(run):
    _, result, root = run
    metrics = json.loads((root / "metrics" / "metrics.json").read_text())
    for key in ("top1", "mean_class_accuracy", "loss", "step", "train", "val"):
        assert key in metrics
    for name in CLASSES:
        assert set(metrics[name]) == {"precision", "recall", "f1", "support"}
    assert metrics["Calm"]["support"] + metrics["Waving"]["support"] == 8
    assert metrics["mean_class_accuracy"] == pytest.approx(result.report.mean_class_accuracy)
    # the same numbers MMAction2's AccMetric gave for that epoch
    assert metrics["top1"] == pytest.approx(result.evaluator_metrics["acc/top1"])
    assert metrics["mean_class_accuracy"] == pytest.approx(result.evaluator_metrics["acc/mean1"])
    for name in ("train/acc", "val/top1", "val/loss", "val/mean_class_accuracy", "lr"):
        assert len(curve(root, name)) == TINY["epochs"]


def test_confusion_matrix_plot_holds_every_held_out_sample(run):
    _, result, root = run
    pairs = json.loads((root / "metrics" / "plots" / "sklearn" / "confusion_matrix.json").read_text())
    assert len(pairs) == 8
    assert {p["actual"] for p in pairs} == set(CLASSES)
    right = sum(p["actual"] == p["predicted"] for p in pairs)
    assert right / len(pairs) == pytest.approx(result.report.top1)


def test_checkpoint_gives_the_same_scores_in_mmaction2s_own_recognizer(run):
    params, result, _ = run
    init_recognizer = mmstack.import_module("mmaction.apis").init_recognizer
    theirs = init_recognizer(str(result.config), str(result.checkpoint), device="cpu")
    assert type(theirs).__name__ == "RecognizerGCN"
    val = SkeletonTableDataset(params.data, params.val_split, theirs.cfg.val_dataloader.dataset.pipeline,
                               params.num_person, test_mode=True)
    batch = mmstack.import_module("mmengine.dataset").pseudo_collate([val[i] for i in range(4)])
    with torch.no_grad():
        ours = torch.stack([s.pred_score for s in result.model.test_step(batch)])
        loaded = torch.stack([s.pred_score for s in theirs.test_step(batch)])
    assert torch.allclose(ours, loaded, atol=1e-6)
    assert not torch.allclose(ours[0], ours[1])  # real scores, not a constant


def test_checkpoint_is_slim_and_loads_weights_only(run):
    _, result, _ = run
    checkpoint = torch.load(result.checkpoint, map_location="cpu")  # torch's default: weights_only=True
    assert set(checkpoint) == {"state_dict", "meta"}
    assert checkpoint["meta"]["classes"] == list(CLASSES)
    assert all(isinstance(v, torch.Tensor) for v in checkpoint["state_dict"].values())
    assert np.isfinite(torch.cat([v.float().flatten() for v in checkpoint["state_dict"].values()]).numpy()).all()


def test_predict_scores_windows_like_the_held_out_split(run):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from training.stgcn.predict import Recognizer, score_windows

    params, result, root = run
    recognizer = Recognizer.load(root / "model")
    assert recognizer.class_names == list(CLASSES) and recognizer.window == 32 and recognizer.num_persons == 2
    val = SkeletonTableDataset(params.data, params.val_split, recognizer.model.cfg.val_dataloader.dataset.pipeline,
                               params.num_person, test_mode=True)
    sample = val.samples[1]
    frames = pq.read_table(Path(params.data) / "frames.parquet")
    frames = frames.filter(pc.equal(frames.column("clip_id"), sample.clip_id))
    (whole,) = score_windows(recognizer, frames, sample.num_frames, sample.img_shape)
    assert (whole.start, whole.end) == (0, 32)
    with torch.no_grad():
        (expected,) = result.model.test_step(mmstack.import_module("mmengine.dataset").pseudo_collate([val[1]]))
    assert whole.scores == pytest.approx(expected.pred_score.tolist(), abs=1e-6)
    windows = score_windows(recognizer, frames, sample.num_frames, sample.img_shape, length=16, stride=8)
    assert [(w.start, w.end) for w in windows] == [(0, 16), (8, 24), (16, 32)]
    assert all(sum(w.scores) == pytest.approx(1.0, abs=1e-5) for w in windows)


def test_predict_command_scores_videos_by_their_motion(run, tmp_path):
    """Two rendered videos, poses read back by the `annotations` backend and tracked: the waving
    figure's windows score higher for Waving than the calm figure's."""
    from typer.testing import CliRunner

    from cli.main import app
    from skeleton_factory import HEIGHT, WIDTH, person_track
    from synthetic.clips import Actor, Clip, write_clip

    _, _, root = run
    waving = {}
    for label in (0, 1):
        rng = np.random.default_rng(label)
        video = tmp_path / f"{CLASSES[label]}.avi"
        write_clip(Clip(WIDTH, HEIGHT, 30.0, 40, [Actor(person_track(label, 40, rng), (0, 200, 255), 0)]), video, "MJPG", rng)
        result = CliRunner().invoke(app, [
            "predict", "action", str(video), "--task", "fight", "--params", str(ROOT / "params.yaml"), "--model",
            str(root / "model"), "--dataset", "rwf2000", "--datasets-dir", str(ROOT / "datasets"), "--json",
        ])
        assert result.exit_code == 0, result.output
        windows = json.loads(result.stdout)["windows"]
        assert [(w["start_frame"], w["end_frame"]) for w in windows] == [(0, 32), (8, 40)]  # the training length
        assert all(sum(w["scores"].values()) == pytest.approx(1.0, abs=1e-5) for w in windows)
        waving[label] = np.mean([w["scores"]["Waving"] for w in windows])
    assert waving[1] > waving[0] + 0.05


def test_predict_command_names_a_missing_model(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["predict", "action", str(tmp_path / "x.avi"), "--task", "fight", "--params",
                                      str(ROOT / "params.yaml"), "--model", str(tmp_path / "none"),
                                      "--datasets-dir", str(ROOT / "datasets")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'none' / 'config.py'} is missing" in result.output


def test_predict_command_names_a_video_without_poses(run, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app
    from skeleton_factory import HEIGHT, WIDTH, person_track
    from synthetic.clips import Actor, Clip, write_clip

    _, _, root = run
    rng = np.random.default_rng(0)
    video = tmp_path / "clip.avi"
    write_clip(Clip(WIDTH, HEIGHT, 30.0, 20, [Actor(person_track(0, 20, rng), (0, 200, 255), 0)]), video, "MJPG", rng)
    (tmp_path / "clip.pose.json").unlink()
    result = CliRunner().invoke(app, ["predict", "action", str(video), "--task", "fight", "--params", str(ROOT / "params.yaml"),
                                      "--model", str(root / "model"), "--dataset", "rwf2000",
                                      "--datasets-dir", str(ROOT / "datasets")])
    assert result.exit_code == 1
    assert str(tmp_path / "clip.pose.json") in result.output and "no pose annotation file" in result.output

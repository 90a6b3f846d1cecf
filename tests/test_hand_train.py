"""The hand-mesh stage end to end on the synthetic sample's shards (a tiny model, a few iterations):
MMEngine's Runner trains it, DVCLive writes the figures beside the baseline, bad clips are counted,
and the exported checkpoint reloads to the same figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from hand_factory import build_hand_shards
from mesh_factory import tiny_stage_params, trained_fixture
from shard_factory import member_offsets, replace_member

FIGURES = ("mpjpe", "pa_mpjpe", "mpvpe", "pa_mpvpe", "pck", "auc")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from synthetic import write_sample

    root = tmp_path_factory.mktemp("hand-train")
    write_sample(root / "raw", seed=0, datasets=("interhand26m", "dexycb"))
    build_hand_shards(root / "raw", root / "shards")
    for split, count in (("train", 6), ("val", 1)):  # clips whose frames do not decode
        shard = sorted((root / "shards" / "dexycb" / split).glob("*.tar"))[0]
        for key in sorted({name.split(".")[0] for name in member_offsets(shard)})[:count]:
            for t in range(4):
                replace_member(shard, f"{key}.frame{t:02d}.jpg", b"not a jpeg")
    return root


def tiny_params(sample: Path, **changes):
    from training.hand.params import HandParams

    shards = {name: str(sample / "shards" / name) for name in ("interhand26m", "dexycb")}
    return tiny_stage_params(HandParams, "hand", {"shards": shards, "mano_dir": str(sample / "raw" / "body_models")},
                             changes)


trained = trained_fixture("hand", tiny_params)


def test_metrics_json_has_the_figures_per_source_and_the_baseline(trained):
    params, result, out = trained
    metrics = json.loads((out / "metrics" / "metrics.json").read_text())
    for figures in (metrics, metrics["interhand26m"], metrics["dexycb"], metrics["baseline"], metrics["baseline"]["dexycb"]):
        for name in FIGURES:
            assert np.isfinite(figures[name]), name
    assert metrics["mpjpe"] == pytest.approx(result.metrics["mpjpe"])
    assert 0 < metrics["pa_mpjpe"] < metrics["mpjpe"] and 0 <= metrics["pck"] <= 1
    assert metrics["iters"] == params.iters
    steps = (out / "metrics" / "plots" / "metrics" / "val" / "pa_mpjpe.tsv").read_text().strip().splitlines()
    assert len(steps) == 1 + params.iters // params.val_interval  # a header, one row per validation
    assert (out / "metrics" / "plots" / "images" / "val_meshes.png").stat().st_size > 1000
    assert (out / "metrics" / "plots" / "metrics" / "baseline" / "pa_mpjpe.tsv").is_file()


def test_bad_clips_are_counted_and_training_goes_on(trained):
    _, result, out = trained
    metrics = json.loads((out / "metrics" / "metrics.json").read_text())
    # the val clip when indexing, training clips when drawn (another clip is drawn instead)
    assert metrics["skipped"]["jpg"] >= 2 and metrics["skipped"]["total"] == sum(
        v for k, v in metrics["skipped"].items() if k != "total")
    assert result.skipped == {k: v for k, v in metrics["skipped"].items() if k != "total"}
    assert metrics["clips"] == metrics["baseline"]["clips"] == 13  # 14 val clips, one skipped
    assert (out / "model" / "model.pth").is_file()


def test_the_checkpoint_reloads_and_gives_the_same_metrics(trained, sample):
    from training.hand.config import load_size
    from training.hand.dataset import HandClipDataset, hand_collate
    from training.hand.train import evaluate, load_model

    params, result, out = trained
    model = load_model(out / "model", mano_file=str(params.mano_paths()["right"]))
    assert not any("shapedirs" in k or "v_template" in k for k in torch.load(out / "model" / "model.pth")["state_dict"])
    dataset = HandClipDataset(dict(params.shards), params.val_split, params.frames, load_size(params), test_mode=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=5, collate_fn=hand_collate)
    again = evaluate(model, loader, list(params.shards), params.pck_threshold, params.auc_max)
    for key, value in result.metrics.items():
        assert again[key] == pytest.approx(value, abs=1e-4), key


def test_the_temporal_variant_attends_across_frames(sample, tmp_path):
    from training.hand.train import train

    params = tiny_params(sample, frames=3, iters=4, val_interval=4)
    result = train(params, tmp_path / "model", tmp_path / "metrics")
    assert result.model.temporal is not None
    assert np.isfinite(result.metrics["pa_mpjpe"])
    images = torch.zeros(1, 3, 3, 56, 56)
    with torch.no_grad():
        base = result.model.regress(images)["joints"]
        images[0, 2] = 1.0  # change only the last frame: the first frame's answer moves too
        moved = result.model.regress(images)["joints"]
    assert not torch.allclose(base[0], moved[0])
    shutil.rmtree(tmp_path / "model")

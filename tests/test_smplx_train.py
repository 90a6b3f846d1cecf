"""The SMPL-X stage end to end on the synthetic COCO sample's shards (a tiny model, a few
iterations): MMEngine's Runner trains it, DVCLive writes the figures beside the baseline, the
exported checkpoint reloads to the same figures, and persons without NeuralAnnot learn from 2D."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from schemas.shards import PERSON_IMAGE
from mesh_factory import tiny_stage_params, trained_fixture
from shard_factory import write_split

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("pve", "pa_pve", "mpjpe", "pa_mpjpe", "kp2d", "pck")
pytestmark = pytest.mark.slow


def coco_shards(raw: Path, out: Path, strip_every: int) -> Path:
    """The coco reader's samples of both splits as shards; every `strip_every`-th train person loses
    its NeuralAnnot entry (a person COCO has but NeuralAnnot does not)."""
    from tasks.readers import reader_module
    from tasks.spec import load_spec

    spec = load_spec("coco", ROOT / "datasets", root=raw / "coco")
    module = reader_module(spec.reader)
    count = 0
    for split in spec.splits:
        samples = [s for item in module.enumerate_items(raw / "coco", split, dict(spec.options))
                   for s in module.load_records(raw / "coco", item, dict(spec.options))]
        if split == "train":
            for sample in samples:
                meta = json.loads(sample["json"])
                for person in meta["persons"]:
                    count += 1
                    if count % strip_every == 0:
                        person.pop("smplx", None)
                sample["json"] = json.dumps(meta).encode()
        write_split(out / split, "coco", split, PERSON_IMAGE, samples, per_shard=32)
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from synthetic import write_sample

    root = tmp_path_factory.mktemp("smplx-train")
    write_sample(root / "raw", seed=0, datasets=("coco",))
    coco_shards(root / "raw", root / "shards" / "coco", strip_every=3)
    return root


def tiny_params(sample: Path, **changes):
    from training.smplx.params import SmplxParams

    data = {"shards": str(sample / "shards" / "coco"), "model_dir": str(sample / "raw" / "body_models")}
    return tiny_stage_params(SmplxParams, "smplx", data, changes)


trained = trained_fixture("smplx", tiny_params)


def test_metrics_json_has_the_figures_and_the_baseline(trained):
    params, result, out = trained
    metrics = json.loads((out / "metrics" / "metrics.json").read_text())
    for figures in (metrics, metrics["baseline"]):
        for name in FIGURES:
            assert np.isfinite(figures[name]), name
        assert 0 < figures["pa_mpjpe"] <= figures["mpjpe"] and 0 < figures["pa_pve"] <= figures["pve"]
        assert 0 <= figures["pck"] <= 1 and figures["kp2d"] > 0
    assert metrics["persons"] == metrics["baseline"]["persons"] == metrics["persons_smplx"] > 20
    assert metrics["pa_mpjpe"] == pytest.approx(result.metrics["pa_mpjpe"]) and metrics["iters"] == params.iters
    steps = (out / "metrics" / "plots" / "metrics" / "val" / "pa_mpjpe.tsv").read_text().strip().splitlines()
    assert len(steps) == 1 + params.iters // params.val_interval
    assert (out / "metrics" / "plots" / "metrics" / "baseline" / "kp2d.tsv").is_file()
    assert (out / "metrics" / "plots" / "images" / "val_meshes.png").stat().st_size > 1000


def test_the_checkpoint_reloads_and_gives_the_same_metrics(trained):
    from training.smplx.config import load_size
    from training.smplx.dataset import SmplxPersonDataset, smplx_collate
    from training.smplx.train import evaluate, load_model

    params, result, out = trained
    model = load_model(out / "model", model_file=str(params.model_path()))
    assert not any("shapedirs" in k or "v_template" in k for k in torch.load(out / "model" / "model.pth")["state_dict"])
    dataset = SmplxPersonDataset(params.shards, params.val_split, load_size(params), params.crop_scale,
                                 params.min_keypoints, test_mode=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=5, collate_fn=smplx_collate)
    again = evaluate(model, loader, params.pck_threshold)
    for key, value in result.metrics.items():
        assert again[key] == pytest.approx(value, abs=1e-4), key


def test_a_person_without_neuralannot_trains_on_the_2d_loss_alone(trained):
    from training.smplx.config import load_size
    from training.smplx.dataset import SmplxPersonDataset, smplx_collate

    params, result, _ = trained
    dataset = SmplxPersonDataset(params.shards, params.train_split, load_size(params), params.crop_scale,
                                 params.min_keypoints)
    without = [i for i in range(len(dataset)) if dataset.labels(i)["has_smplx"] == 0]
    assert 0 < len(without) < len(dataset)
    batch = smplx_collate([dataset[i] for i in without[:4]])
    model = result.model
    model.train()
    data = model.data_preprocessor(batch, False)
    losses = model(**data, mode="loss")
    assert losses["loss_2d"] > 0
    for name in ("loss_joints", "loss_pose", "loss_shape", "loss_expr", "loss_camera"):
        assert losses[name] == 0, name
    model.zero_grad()
    sum(losses.values()).backward()
    assert model.heads["body"].weight.grad.abs().sum() > 0 and model.heads["cam"].weight.grad.abs().sum() > 0
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = float(losses["loss_2d"].detach())
    for _ in range(5):
        optimizer.zero_grad()
        loss = model(**data, mode="loss")["loss_2d"]
        loss.backward()
        optimizer.step()
    assert float(model(**data, mode="loss")["loss_2d"]) < before
    model.eval()

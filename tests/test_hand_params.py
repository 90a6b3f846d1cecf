"""The `hand:` block is checked before training, and the encoder is built, never downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from training.hand.params import HandParams
from training.params import ParamsError

ROOT = Path(__file__).resolve().parents[1]


def block() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())["hand"]


def test_the_projects_block_is_valid():
    params = HandParams.from_dict(block())
    assert set(params.shards) == {"interhand26m", "dexycb"} and params.image_size % params.patch_size == 0


@pytest.mark.parametrize("change, message", [
    ({"imag_size": 112}, "did you mean 'image_size'"),
    ({"image_size": 100}, "not a multiple of patch_size 14"),
    ({"weights": {"interhand26m": 1.0}}, "weights name ['interhand26m'], but shards name"),
    ({"mano_files": {"right": "MANO_RIGHT.pkl"}}, "mano_files names no 'left' file"),
    ({"lr": "fast"}, "key 'lr' is 'fast': expected a number"),
])
def test_mistakes_are_named(change, message):
    data = {**block(), **change}
    if "imag_size" in change:
        del data["image_size"]
    with pytest.raises(ParamsError) as err:
        HandParams.from_dict(data, "params.yaml hand")
    assert message in str(err.value)


def test_the_encoder_refuses_sizes_dinov2_would_crop():
    from training.mesh.encoder import VitEncoder

    with pytest.raises(ValueError, match="multiple of patch_size"):
        VitEncoder(image_size=100, patch_size=14, width=32, depth=1, heads=2, mlp_ratio=2)
    encoder = VitEncoder(image_size=56, patch_size=14, width=32, depth=1, heads=2, mlp_ratio=2)
    assert encoder(torch.zeros(2, 3, 56, 56)).shape == (2, 1 + 16, 32)
    with pytest.raises(ValueError, match="not a multiple of the patch size"):
        encoder(torch.zeros(1, 3, 60, 60))


def test_a_local_pretrained_folder_is_loaded_offline(tmp_path):
    from training.mesh.encoder import VitEncoder

    trained = VitEncoder(image_size=56, patch_size=14, width=32, depth=1, heads=2, mlp_ratio=2)
    trained.model.save_pretrained(tmp_path / "dinov2")
    loaded = VitEncoder(image_size=56, patch_size=14, width=64, depth=3, heads=4, mlp_ratio=4,
                        pretrained=str(tmp_path / "dinov2"))
    assert loaded.width == 32  # the folder's architecture, not the small defaults
    images = torch.randn(1, 3, 56, 56)
    trained.eval(), loaded.eval()
    with torch.no_grad():
        assert torch.allclose(trained(images), loaded(images), atol=1e-6)
    with pytest.raises(FileNotFoundError, match="no config.json"):
        VitEncoder(image_size=56, patch_size=14, width=32, depth=1, heads=2, mlp_ratio=2, pretrained=str(tmp_path))


def test_scheduled_retraining_gates_the_hand_model_on_pa_mpjpe():
    from tasks.promotion import gate, gate_rule

    retrain = yaml.safe_load((ROOT / "params.yaml").read_text())["retrain"]
    task = retrain["tasks"]["hand"]
    assert task["stage"] == "train_hand" and task["metrics"] == "data/metrics/hand/metrics.json"
    metric, max_drop, higher_is_better = gate_rule(retrain, "hand")
    assert (metric, higher_is_better) == ("pa_mpjpe", False)
    accepted = {"metrics": {"pa_mpjpe": 9.0}}
    assert gate({"pa_mpjpe": 8.0}, accepted, metric, max_drop, higher_is_better)[0]
    assert not gate({"pa_mpjpe": 9.0 + max_drop + 0.5}, accepted, metric, max_drop, higher_is_better)[0]


def test_train_hand_names_a_bad_key_and_exits_2(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"hand": {**block(), "iter": 5}}))
    result = CliRunner().invoke(app, ["train", "hand", "--params", str(params), "--out", str(tmp_path / "m"),
                                      "--metrics", str(tmp_path / "metrics")])
    assert result.exit_code == 2
    assert "unknown key 'iter'" in result.output and "did you mean 'iters'" in result.output
    assert not (tmp_path / "m").exists()

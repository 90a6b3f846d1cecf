"""STGCN++ knobs: params.yaml's blocks load, bad ones fail before training and name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from training.stgcn.config import build_config, out_channels
from training.stgcn.params import ParamsError, StgcnParams

ROOT = Path(__file__).resolve().parents[1]


def block(task: str = "fight") -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())["stgcn"][task]


@pytest.mark.parametrize("task", ["fight", "falldown"])
def test_params_yaml_blocks_hold_the_seed_setup(task):
    params = StgcnParams.from_dict(block(task))
    cfg = build_config(params, params.class_weights(list(params.class_weight)), Path("work"))
    backbone, head = cfg["model"]["backbone"], cfg["model"]["cls_head"]
    assert (backbone["gcn_adaptive"], backbone["gcn_with_res"], backbone["tcn_type"]) == ("init", True, "mstcn")
    assert backbone["graph_cfg"] == {"layout": "coco", "mode": "spatial"}
    assert (backbone["num_stages"], backbone["base_channels"], backbone["inflate_stages"], backbone["down_stages"]) == (4, 64, [2], [2])
    assert head["in_channels"] == out_channels(params) == 128 and head["num_classes"] == 2
    assert head["dropout"] == {"fight": 0.3, "falldown": 0.2}[task]
    assert cfg["optim_wrapper"]["optimizer"]["type"] == "AdamW"
    assert cfg["optim_wrapper"]["clip_grad"]["max_norm"] == 2.0
    steps = [s["type"] for s in cfg["train_dataloader"]["dataset"]["pipeline"]]
    assert steps == ["PreNormalize2D", "GenSkeFeat", "UniformSampleFrames", "PoseDecode", "FormatGCNInput", "PackActionInputs"]
    assert cfg["val_dataloader"]["dataset"]["pipeline"][2]["test_mode"] is True
    assert cfg["param_scheduler"][0]["type"] == "LinearLR"


def test_class_weights_follow_label_order_by_name():
    params = StgcnParams.from_dict(block("falldown"))
    assert params.class_weights(["Normal", "Falldown"]) == [1.0, 1.5]
    assert params.class_weights(["Falldown", "Normal"]) == [1.5, 1.0]
    with pytest.raises(ParamsError, match=r"missing \['Fight'\]"):
        params.class_weights(["Normal", "Fight"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"lrr": 0.1}, "unknown key 'lrr' (did you mean 'lr'?)"),
        ({"epochs": "ten"}, "key 'epochs' is 'ten': expected an integer"),
        ({"schedule": "step"}, "schedule is 'step', expected one of ['cosine', 'multistep']"),
        ({"feats": ["x"]}, "feats are ['x']"),
        ({"warmup_epochs": 50}, "expected 0 <= warmup_epochs < epochs"),
    ],
)
def test_bad_values_name_the_key(change, message):
    with pytest.raises(ParamsError) as err:
        StgcnParams.from_dict({**block(), **change}, "params.yaml stgcn.fight")
    assert "params.yaml stgcn.fight" in str(err.value) and message in str(err.value)


def test_missing_key_is_named():
    data = block()
    del data["grad_clip"]
    with pytest.raises(ParamsError, match="missing key 'grad_clip'"):
        StgcnParams.from_dict(data)


def test_cli_names_unknown_task(tmp_path):
    result = CliRunner().invoke(app, ["train", "stgcn", "--task", "kicking", "--params", str(ROOT / "params.yaml")])
    assert result.exit_code == 2
    assert "no stgcn.kicking block" in result.output and "falldown, fight" in result.output


def test_cli_names_missing_tables(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"stgcn": {"fight": {**block(), "data": str(tmp_path / "none")}}}))
    result = CliRunner().invoke(app, ["train", "stgcn", "--task", "fight", "--params", str(params),
                                      "--out", str(tmp_path / "m"), "--metrics", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'none' / 'samples.parquet'}: missing" in result.output

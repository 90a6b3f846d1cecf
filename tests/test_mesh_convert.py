"""`convert-models`: licensed-style pickles with chumpy objects inside become .npz files smplx loads.

The pickles are made here: the stand-in MANO/SMPL-X arrays wrapped in stand-in chumpy classes of
chumpy's layout (a `chumpy.ch.Ch` whose pickled state keeps the array in `x`, beside its other
attributes) and a scipy sparse J_regressor, as the official files are; chumpy itself is not
importable while they are read back."""

from __future__ import annotations

import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import torch
from typer.testing import CliRunner

from synthetic.bodymodels import write_all
from training.mesh.bodymodels import FIXED_MARK, Mano

CHUMPY_KEYS = ("v_template", "shapedirs", "posedirs", "weights", "hands_components", "hands_mean", "J")


def chumpy_module() -> types.ModuleType:
    """A `chumpy.ch` whose `Ch` pickles like chumpy's: its attributes minus the unpicklable caches."""
    module = types.ModuleType("chumpy.ch")

    class Ch:
        def __init__(self, x: np.ndarray) -> None:
            self.x = x
            self._dirty_vars = set()
            self._itr = None
            self._parents = {}
            self._cache = {"r": x}

        def __getstate__(self) -> dict:
            state = dict(self.__dict__)
            del state["_parents"], state["_cache"]
            return state

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    module.Ch = Ch
    return module


def licensed_style(source: Path, target: Path) -> None:
    """The stand-in file re-pickled the way the licensed ones are (Python 2 protocol, chumpy inside)."""
    with open(source, "rb") as handle:
        data = pickle.load(handle, encoding="latin1")
    module = chumpy_module()
    sys.modules["chumpy"], sys.modules["chumpy.ch"] = types.ModuleType("chumpy"), module
    try:
        for key in CHUMPY_KEYS:
            if key in data:
                data[key] = module.Ch(np.asarray(data[key]))
        data["J_regressor"] = scipy.sparse.csc_matrix(np.asarray(data["J_regressor"]))
        data["bs_style"] = "lbs"
        target.write_bytes(pickle.dumps(data, protocol=2))
    finally:
        del sys.modules["chumpy"], sys.modules["chumpy.ch"]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bodymodels")
    paths = write_all(root / "standin", seed=0)
    licensed = root / "licensed"
    licensed.mkdir()
    for side, name in (("mano_right", "MANO_RIGHT.pkl"), ("mano_left", "MANO_LEFT.pkl")):
        licensed_style(paths[side], licensed / name)
    return {"standin_right": paths["mano_right"], "standin_left": paths["mano_left"], "licensed": licensed, "root": root}


def test_the_licensed_style_pickle_needs_chumpy(models):
    with pytest.raises(ModuleNotFoundError, match="chumpy"):
        pickle.loads((models["licensed"] / "MANO_RIGHT.pkl").read_bytes(), encoding="latin1")


def test_converted_files_load_in_smplx_and_give_the_same_hands(models):
    from cli.main import app

    out = models["root"] / "converted"
    result = CliRunner().invoke(app, ["convert-models", str(models["licensed"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.npz")) == ["MANO_LEFT.npz", "MANO_RIGHT.npz"]
    with np.load(out / "MANO_LEFT.npz", allow_pickle=False) as left:  # plain arrays only
        assert bool(left[FIXED_MARK]) and left["J_regressor"].shape == (16, 778)
    g = torch.Generator().manual_seed(0)
    pose, betas = torch.randn(4, 48, generator=g) * 0.4, torch.randn(4, 10, generator=g)
    for side in ("right", "left"):
        converted = Mano(out / f"MANO_{side.upper()}.npz", side)
        original = Mano(models[f"standin_{side}"], side)
        with torch.no_grad():
            v1, j1 = converted.from_pose(pose, betas)
            v0, j0 = original.from_pose(pose, betas)
        torch.testing.assert_close(v1, v0, atol=1e-6, rtol=0)
        torch.testing.assert_close(j1, j0, atol=1e-6, rtol=0)
    # the fix is applied once: the converted left hand with shape is the mirror of the right one
    right, left = Mano(out / "MANO_RIGHT.npz", "right"), Mano(out / "MANO_LEFT.npz", "left")
    mirror = torch.tensor([1.0, -1.0, -1.0]).repeat(16)
    with torch.no_grad():
        vr, _ = right.from_pose(pose * mirror, betas)
        vl, _ = left.from_pose(pose, betas)
    torch.testing.assert_close(vl * torch.tensor([-1.0, 1.0, 1.0]), vr, atol=1e-5, rtol=0)


def test_a_chumpy_object_without_an_array_is_named(models, tmp_path):
    from training.mesh.convert import convert_model

    module = chumpy_module()
    sys.modules["chumpy"], sys.modules["chumpy.ch"] = types.ModuleType("chumpy"), module
    try:
        odd = module.Ch(np.zeros(3))
        del odd.x
        (tmp_path / "MANO_RIGHT.pkl").write_bytes(pickle.dumps({"v_template": odd}, protocol=2))
    finally:
        del sys.modules["chumpy"], sys.modules["chumpy.ch"]
    with pytest.raises(ValueError, match="v_template.*without an array"):
        convert_model(tmp_path / "MANO_RIGHT.pkl", tmp_path / "out")

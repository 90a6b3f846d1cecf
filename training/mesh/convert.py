"""Licensed MANO / SMPL-X pickles -> plain numpy `.npz` files that smplx loads (`ext='npz'`).

The official pickles hold chumpy objects (an autodiff library that no longer installs) and scipy
sparse matrices; smplx cannot read them without chumpy. Here chumpy's classes are stood in for
while unpickling (no chumpy code runs), each array is taken from the object's state (`x`, what a
chumpy `Ch` keeps), sparse matrices become dense, and MANO_LEFT's known defect is fixed once
(`shapedirs[:, 0, :] *= -1`), with `left_shapedirs_fixed` recorded so loaders do not fix it again.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from training.mesh.bodymodels import FIXED_MARK


class ChumpyStandIn:
    """Takes the place of any chumpy class while unpickling; keeps the state it is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state: dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        self.state = state if isinstance(state, dict) else {"state": state}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "chumpy" or module.startswith("chumpy."):
            return type(name, (ChumpyStandIn,), {"__module__": module})
        return super().find_class(module, name)


def load_pickle(data: bytes) -> dict[str, Any]:
    """A body-model pickle (latin-1, as written by Python 2) with chumpy objects stood in for."""
    loaded = _Unpickler(io.BytesIO(data), encoding="latin1").load()
    if not isinstance(loaded, dict):
        raise ValueError(f"expected a dict of model arrays, got {type(loaded).__name__}")
    return loaded


def plain(value: Any, key: str) -> np.ndarray:
    """One model entry as a numpy array; raises ValueError naming what cannot be converted."""
    if isinstance(value, ChumpyStandIn):
        if "x" not in value.state:
            raise ValueError(f"{key}: a chumpy {type(value).__name__} without an array ('x') in its state; "
                             f"state keys: {sorted(value.state)}")
        return np.asarray(plain(value.state["x"], key))
    if hasattr(value, "toarray"):  # scipy.sparse
        return np.asarray(value.toarray())
    array = np.asarray(value)
    if array.dtype == object:
        raise ValueError(f"{key}: {type(value).__name__} is not an array")
    return array


def convert_model(source: Path, out_dir: Path) -> Path:
    """Writes `out_dir/<source stem>.npz`; MANO_LEFT files get the shapedirs fix. Returns the path."""
    data = load_pickle(Path(source).read_bytes())
    arrays = {key: plain(value, f"{source}: {key}") for key, value in data.items()}
    if "LEFT" in Path(source).name.upper() and "shapedirs" in arrays and not bool(arrays.get(FIXED_MARK, False)):
        shapedirs = arrays["shapedirs"].astype(np.float64, copy=True)
        shapedirs[:, 0, :] *= -1
        arrays["shapedirs"] = shapedirs
        arrays[FIXED_MARK] = np.array(True)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{Path(source).stem}.npz"
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    tmp.replace(target)
    return target

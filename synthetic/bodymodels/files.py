"""What every stand-in file shares: the note saying what it is, and numbers rounded so the files are
byte-identical on every machine."""

from __future__ import annotations

from typing import Any

import numpy as np

NOTE = (
    "SYNTHETIC STAND-IN written by posefoundry synthetic/bodymodels: real array shapes and keys, "
    "made-up geometry. This is NOT the licensed MANO/SMPL-X model and must not be used as one."
)


def quantized(data: dict[str, Any]) -> dict[str, Any]:
    """Float arrays rounded to 1e-8 (10 nm on vertices), keeping their dtype.

    Elementwise maths is exact everywhere, but BLAS reductions and vectorised
    sin/cos can differ in the last bit between CPUs; rounding makes the files
    byte-identical across machines too (barring a value that lands exactly on
    a rounding boundary), at no cost to anything that uses them. Regressor and
    skinning weights are exact quotients already and keep rows summing to 1.
    """
    out = {}
    for key, value in data.items():
        exact = key in ("J_regressor", "weights")
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating) and not exact:
            value = np.round(value.astype(np.float64), 8).astype(value.dtype)
        out[key] = value
    return out


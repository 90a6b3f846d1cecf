"""Offline, self-contained settings for the libraries the CLI drives; applied before they import."""

from __future__ import annotations

import os
from pathlib import Path


# The project this code belongs to (an editable install or a clone).
CODE_PROJECT = Path(__file__).resolve().parents[1]


def project_root(start: Path | None = None) -> Path:
    """The nearest folder holding dvc.yaml (the project); else this code's own project, so a
    command run elsewhere never litters the current folder with .prefect/ or caches."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    return CODE_PROJECT


def configure(root: Path) -> None:
    """Prefect's home and every scratch folder inside the project; no analytics; a start-up
    timeout long enough for Prefect's ephemeral server on a loaded 2-core machine.
    Values already set by the user win."""
    defaults = {
        "PREFECT_HOME": root / ".prefect",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
        "DVC_NO_ANALYTICS": "1",
        "NO_ALBUMENTATIONS_UPDATE": "1",
        "MPLCONFIGDIR": root / ".cache" / "matplotlib",
        "TORCH_HOME": root / ".cache" / "torch",
        "MPLBACKEND": "Agg",
        # OpenMP threads sleep rather than spin while waiting: on a small machine shared with other
        # work, spinning made each training step several times slower.
        "OMP_WAIT_POLICY": "PASSIVE",
        # Arrow's own pool keeps freed blocks per thread; the system allocator gives them back, so a
        # build's memory follows what it holds, not what it once held.
        "ARROW_DEFAULT_MEMORY_POOL": "system",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, str(value))

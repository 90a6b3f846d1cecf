"""Reading annotation files with errors that name the file and say what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tasks.items import ItemError, MissingSplit
from tasks.rawfiles import raw_path


def read_json(root: Path, name: str) -> Any:
    path = raw_path(root, name)
    if not path.is_file():
        raise MissingSplit(name, "annotation file not found")
    try:
        with open(path, "rb") as handle:
            return json.load(handle)
    except ValueError as err:
        raise ItemError(name, f"does not parse as JSON: {err}") from None

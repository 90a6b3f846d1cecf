"""Which readers exist, and the one protocol every reader follows.

A reader module `tasks/readers/<name>.py` holds:
- `OUTPUT`: 'shards' or 'skeletons', the writer its records go to; `KIND`: the record layout
  (schemas.shards.PERSON_IMAGE or HAND_CLIP for shards, 'video' for tables);
- `Options`: a pydantic model of the options a spec may set (tasks/readers/options.py has the
  shared blocks), `OPTIONS` its defaults as a dict;
- `enumerate_items(root, split, options) -> list[Item]`: a split's items, each with a stable key,
  the raw files it depends on (relative to the root) and the annotation slice it needs; raises
  MissingSplit when the split's source is absent, ItemError when it cannot be read;
- `load_records(root, item, options) -> list[dict]`: one item's records (webdataset samples for
  shards, one clip record for tables); raises ItemError naming the bad file.
The README's "Add a source" section walks through a new one.
"""

from __future__ import annotations

import importlib
from types import ModuleType

READERS = ("coco", "interhand26m", "dexycb", "rwf2000", "aihub_falldown", "aihub_fall_sensor")


def reader_module(name: str) -> ModuleType:
    """A registered reader by name, or any importable module that follows the protocol (a
    project's own reader needs no change here: its spec names the module)."""
    if name in READERS:
        return importlib.import_module(f"tasks.readers.{name}")
    try:
        module = importlib.import_module(name)
    except ImportError:
        raise KeyError(name) from None
    missing = [n for n in ("OUTPUT", "KIND", "Options", "enumerate_items", "load_records") if not hasattr(module, n)]
    if missing:
        raise KeyError(f"{name} (a module, but without {', '.join(missing)})")
    return module

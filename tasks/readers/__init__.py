"""Which readers exist, what each produces, and the options each understands (with defaults).

A reader module `tasks/readers/<name>.py` holds `OUTPUT` ('shards' or 'skeletons'), `OPTIONS` (the
defaults; a spec may set only these keys) and the functions the build flow of its output calls.
"""

from __future__ import annotations

import importlib
from types import ModuleType

READERS = ("coco", "interhand26m", "dexycb", "rwf2000", "aihub_falldown")


def reader_module(name: str) -> ModuleType:
    if name not in READERS:
        raise KeyError(name)
    return importlib.import_module(f"tasks.readers.{name}")

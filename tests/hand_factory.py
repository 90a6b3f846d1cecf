"""The synthetic sample's hand sources as real hand-clip shards (the readers' own samples, written
with the manifest and wids index a build writes), without a Prefect build; and ways to break them."""

from __future__ import annotations

from pathlib import Path

from schemas.shards import HAND_CLIP
from shard_factory import write_split
from tasks.readers import reader_module
from tasks.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


def build_hand_shards(raw: Path, out: Path, datasets: tuple[str, ...] = ("interhand26m", "dexycb")) -> dict[str, Path]:
    """`raw`: a `posefoundry sample` tree; returns {dataset: shard folder} with every split of its spec."""
    folders = {}
    for name in datasets:
        spec = load_spec(name, ROOT / "datasets", root=raw / name)
        options = dict(spec.options)
        if "mano_model_dir" in options:
            options["mano_model_dir"] = str(raw / "body_models")
        module = reader_module(spec.reader)
        for split in spec.splits:
            samples = [s for item in module.enumerate_items(raw / name, split, options)
                       for s in module.load_records(raw / name, item, options)]
            if samples:
                write_split(out / name / split, name, split, HAND_CLIP, samples, per_shard=16)
        folders[name] = out / name
    return folders

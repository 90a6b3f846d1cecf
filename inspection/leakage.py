"""Leakage between splits: one source in two splits of a dataset, which inflates every number
measured on the held-out split.

Shards (`shards validate`): a person image whose jpg bytes (sha256) already appeared in another
split of the dataset, and a hand clip with a source image (data_source and path, from its json)
that a clip of another split was cut from. Subjects are not compared: DexYCB's s0 setup and
InterHand2.6M's own splits share subjects on purpose.

Tables (`tables validate`): the same raw video (clips.parquet's sha256) in two splits, and for AI
Hub's CCTV names (`<scenario>-<n>_cam<NN>_<rest>`) the same scene filmed by two cameras in two
splits (the name without its camera part is the scene).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from schemas.shards import HAND_CLIP, PERSON_IMAGE, load_json
from tasks.shards.reading import Sample

SHOWN = 10
SCENE_NAME = re.compile(r"^(?P<scenario>\d+-\d+)_cam\d+_(?P<rest>.+)$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Origin:
    split: str
    key: str
    shard: str


@dataclass
class SplitLeaks:
    """What each sample came from, first sighting per dataset; a sample of another split that comes
    from the same source is reported by `check`."""

    seen: dict[tuple[str, bytes], Origin] = field(default_factory=dict)

    def check(self, dataset: str, split: str, sample: Sample, kind: str) -> list[str]:
        here = Origin(split, sample.key, sample.shard)
        leaks: dict[Origin, list[str]] = {}
        for digest, what in _sources(sample, kind):
            first = self.seen.setdefault((dataset, digest), here)
            if first.split != split:
                leaks.setdefault(first, []).append(what)
        return [
            f"sample {sample.key}: leaks between splits {other.split} and {split}: {_list(whats)} as sample "
            f"{other.key} of split {other.split} in {other.shard}"
            for other, whats in leaks.items()
        ]


def _list(whats: list[str]) -> str:
    more = len(whats) - 3
    return ", ".join(whats[:3]) + (f" and {more} more" if more > 0 else "")


def _sources(sample: Sample, kind: str) -> list[tuple[bytes, str]]:
    """(digest, what it is) of every source the sample was made from."""
    if kind == PERSON_IMAGE:
        data = sample.members.get("jpg")
        if not data:
            return []
        sha = hashlib.sha256(data).hexdigest()
        return [(bytes.fromhex(sha)[:16], f"the same jpg bytes (sha256 {sha[:16]}...)")]
    if kind == HAND_CLIP:
        try:
            meta = load_json(sample.members.get("json") or b"{}")
            source, paths = str(meta.get("data_source", "")), [str(p) for p in meta.get("source_paths", [])]
        except (ValueError, AttributeError, TypeError):
            return []  # the schema check reports the json
        return [(hashlib.blake2b(f"{source}\0{p}".encode(), digest_size=16).digest(), f"source image {source}:{p}")
                for p in dict.fromkeys(paths)]
    return []


def _where(rows: list[dict]) -> str:
    return ", ".join(f"{r['path']} ({r['split']})" for r in rows)


def _shared(clips: pl.DataFrame, column: str) -> list[tuple[str, list[dict]]]:
    """Values of `column` that rows of more than one split share, with those rows; a group whose
    rows are all one raw file is left to the sha256 check."""
    keep = pl.col("splits") > 1
    if column != "sha256":
        keep &= pl.col("files") > 1
    groups = (clips.filter(pl.col(column).is_not_null())
              .group_by(column).agg(pl.col("split").n_unique().alias("splits"), pl.col("sha256").n_unique().alias("files"),
                                    pl.struct("split", "path").alias("rows"))
              .filter(keep).sort(column))
    return [(value, sorted(rows, key=lambda r: (r["split"], r["path"]))) for value, _, _, rows in groups.iter_rows()]


def table_leaks(clips: pl.DataFrame, source: Path) -> list[str]:
    """clips.parquet's raw files (sha256) and AI Hub scenes (camera left out) that two splits share;
    `clips` has split, path and sha256."""
    scenes = [m.group("scenario") + "_" + m.group("rest") if (m := SCENE_NAME.match(Path(p).stem)) else None
              for p in clips.get_column("path").to_list()]
    clips = clips.with_columns(
        pl.when(pl.col("sha256").str.contains(SHA256.pattern)).then(pl.col("sha256")).alias("sha256"),
        pl.Series("scene", scenes, pl.String),
    )
    leaks = [
        f"{source}: the same raw file (sha256 {sha[:16]}...) in splits {' and '.join(sorted({r['split'] for r in rows}))}: {_where(rows)}"
        for sha, rows in _shared(clips, "sha256")
    ] + [
        f"{source}: the same scene {scene} (filmed by another camera) in splits "
        f"{' and '.join(sorted({r['split'] for r in rows}))}: {_where(rows)}"
        for scene, rows in _shared(clips, "scene")
    ]
    if len(leaks) > SHOWN:
        return leaks[:SHOWN] + [f"{source}: and {len(leaks) - SHOWN} more source(s) shared by two splits"]
    return leaks

"""`shards show`: find one sample by key and describe every member (type, shape, dtype, values).

Keys are found by walking tar headers; only the wanted sample's members are read. When the key is
not there, the closest keys seen are offered.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import cv2
import numpy as np

from inspection.kinds import guess_kind
from inspection.sources import ShardGroup
from inspection.validate import IMAGE_SUFFIXES, sample_findings
from schemas.shards import load_npy
from tasks.shards.reading import Sample, ShardReadError, key_is, samples

SMALL_ARRAY = 64


@dataclass
class Found:
    sample: Sample | None
    group: ShardGroup | None = None
    suggestions: list[str] = field(default_factory=list)
    read_errors: list[str] = field(default_factory=list)


def find_sample(groups: list[ShardGroup], key: str | None) -> Found:
    """The sample with this key (the first sample when key is None), searching groups in order."""
    seen: list[str] = []
    errors: list[str] = []
    for group in groups:
        for shard in group.shards:
            if not shard.exists:
                continue
            try:
                for sample in samples(shard.target, select=None if key is None else key_is(key)):
                    if key is None or sample.key == key:
                        return Found(sample, group, read_errors=errors)
                    seen.append(sample.key)
            except ShardReadError as err:
                errors.append(str(err))
    close = difflib.get_close_matches(key or "", seen, n=5, cutoff=0.5)
    return Found(None, suggestions=close, read_errors=errors)


def _array_summary(array: np.ndarray) -> dict[str, Any]:
    info: dict[str, Any] = {"dtype": str(array.dtype), "shape": list(array.shape)}
    if array.size and np.issubdtype(array.dtype, np.number):
        finite = array[np.isfinite(array)] if np.issubdtype(array.dtype, np.floating) else array
        info["non_finite"] = int(array.size - finite.size)
        if finite.size:
            info.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()))
    if array.size <= SMALL_ARRAY:
        info["values"] = array.tolist()
    return info


def describe_member(ext: str, data: bytes) -> dict[str, Any]:
    """What a member holds, for a person: its type, and shape, dtype and range where it has them."""
    info: dict[str, Any] = {"member": ext, "bytes": len(data)}
    suffix = ext.rsplit(".", 1)[-1]
    if suffix == "npy":
        try:
            array = load_npy(data)
        except ValueError as err:
            return {**info, "type": "npy", "error": f"not a .npy array: {err}"}
        return {**info, "type": "npy", **_array_summary(array)}
    if suffix in IMAGE_SUFFIXES:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if image is None:
            return {**info, "type": "image", "error": "does not decode as an image"}
        return {**info, "type": "image", "dtype": str(image.dtype), "shape": list(image.shape)}
    if suffix == "json":
        try:
            return {**info, "type": "json", "value": json.loads(data)}
        except ValueError as err:
            return {**info, "type": "json", "error": f"does not parse: {err}"}
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return {**info, "type": "bytes", "head": data[:16].hex()}
    return {**info, "type": "text", "value": text[:200]}


def describe_sample(sample: Sample, kind: str | None) -> dict[str, Any]:
    kind = kind or guess_kind(sample.sizes)
    members = [describe_member(ext, data) for ext, data in sorted(sample.members.items()) if data is not None]
    problems = sample_findings(sample, kind, decode=True) if kind else [f"sample {sample.key}: members fit no layout"]
    return {"key": sample.key, "shard": sample.shard, "offset": sample.offset, "kind": kind,
            "members": members, "problems": problems}


def json_outline(value: Any, depth: int = 0, limit: int = 3) -> Iterator[str]:
    """A readable outline of a JSON value: nested lists of numbers shown as their shape."""
    pad = "  " * depth
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and not _numeric(item):
                yield f"{pad}{key}:"
                yield from json_outline(item, depth + 1, limit)
            else:
                yield f"{pad}{key}: {_leaf(item)}"
    elif isinstance(value, list):
        for index, item in enumerate(value[:limit]):
            yield f"{pad}[{index}]"
            yield from json_outline(item, depth + 1, limit)
        if len(value) > limit:
            yield f"{pad}... {len(value) - limit} more"
    else:
        yield f"{pad}{_leaf(value)}"


def _numeric(value: Any) -> bool:
    if isinstance(value, list):
        return all(_numeric(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _leaf(value: Any) -> str:
    if isinstance(value, list) and value and _numeric(value):
        try:
            array = np.asarray(value, dtype=np.float64)
        except ValueError:
            return f"ragged list of {len(value)}"
        if array.size <= 4:
            return json.dumps(value)
        return f"array {list(array.shape)} (min {array.min():.4g}, max {array.max():.4g})"
    return json.dumps(value)

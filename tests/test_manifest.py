"""manifest.json: round trip through the atomic writer, precise errors."""

from __future__ import annotations

import json

import pytest

from schemas import SchemaError
from schemas.manifest import Manifest, Quarantined, ShardEntry, manifest_problems
from tasks.atomic import write_text


def manifest() -> Manifest:
    return Manifest(
        dataset="coco", split="val", kind="person_image", source_fingerprint="f" * 64, params_hash="p" * 16,
        shards=[ShardEntry("coco-val-000000.tar", 4, 10240, "a" * 64)],
        quarantined=[Quarantined("coco-val-9", "val2017/000000000009.jpg", "image does not decode")],
    )


def test_roundtrip(tmp_path):
    path = tmp_path / "manifest.json"
    write_text(path, manifest().to_json())
    back = Manifest.read(path)
    assert back == manifest()
    assert back.num_samples == 4
    assert not list(tmp_path.glob("*.tmp"))


def test_deterministic_text():
    assert manifest().to_json() == manifest().to_json()
    assert json.loads(manifest().to_json())["schema_version"] == "1.0"


def test_bad_manifest_is_named(tmp_path):
    data = json.loads(manifest().to_json())
    data["shards"][0]["samples"] = "4"
    del data["kind"]
    problems = [str(p) for p in manifest_problems(data, "m.json")]
    assert problems == ["m.json: missing key 'kind'"]
    data["kind"] = "video"
    problems = [str(p) for p in manifest_problems(data, "m.json")]
    assert "m.json key 'kind': is 'video', expected one of ['person_image', 'hand_clip']" in problems
    assert "m.json shards[0] key 'samples': is str, expected int" in problems


def test_newer_major_version_is_refused(tmp_path):
    data = json.loads(manifest().to_json())
    data["schema_version"] = "2.0"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match="schema_version"):
        Manifest.read(path)


def test_not_json(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{")
    with pytest.raises(SchemaError, match="is not JSON"):
        Manifest.read(path)

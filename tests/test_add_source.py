"""Adding a dataset through the public protocol only: a folder of images with a CSV of keypoints.

The reader lives in this test, not in the project; a spec names it and the one build flow builds it
(item cache, failure policy, shard writer and manifest included)."""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path

import cv2
import numpy as np
import pytest
import webdataset as wds

from flows.build import run_build
from schemas.manifest import MANIFEST_NAME, Manifest
from schemas.shards import PERSON_IMAGE
from tasks.items import Item, ItemError, MissingSplit
from tasks.readers.options import ImageOptions
from tasks.shards.images import check_jpeg, read_bytes


class CsvOptions(ImageOptions):
    csv: str = "{split}.csv"


def enumerate_items(root: Path, split: str, options: dict) -> list[Item]:
    name = options["csv"].format(split=split)
    if not (root / name).is_file():
        raise MissingSplit(name, "not found")
    with open(root / name, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Item(f"csv-{split}-{row['id']}", (row["image"],), {"split": split, "row": row, "csv": name}) for row in rows]


def load_records(root: Path, item: Item, options: dict) -> list[dict]:
    row = item.data["row"]
    try:
        flat = [float(v) for v in row["keypoints"].split()]
    except ValueError:
        raise ItemError(item.data["csv"], f"row {row['id']}: keypoints are not numbers") from None
    data = read_bytes(root, item.files[0])
    height, width = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE).shape
    check_jpeg(data, item.files[0], width, height)
    person = {"id": int(row["id"]), "bbox": [0, 0, width, height], "area": width * height, "iscrowd": 0,
              "keypoints": [flat[i:i + 3] for i in range(0, 51, 3)]}
    meta = {"image_id": int(row["id"]), "file_name": item.files[0], "width": width, "height": height, "persons": [person]}
    return [{"__key__": item.key, "jpg": data, "json": json.dumps(meta, sort_keys=True).encode()}]


@pytest.fixture
def csv_reader():
    module = types.ModuleType("csv_poses_reader")
    module.__file__ = __file__  # its code is this file: a change to it redoes the items
    module.OUTPUT, module.KIND, module.Options = "shards", PERSON_IMAGE, CsvOptions
    module.OPTIONS = CsvOptions().model_dump()
    module.enumerate_items, module.load_records = enumerate_items, load_records
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_a_new_reader_builds_through_the_one_flow(prefect_harness, csv_reader, tmp_path):
    raw = tmp_path / "raw"
    (raw / "images").mkdir(parents=True)
    rows = []
    for i in range(6):
        image = np.full((40 + i, 60, 3), 30 * i, np.uint8)
        cv2.imwrite(str(raw / "images" / f"{i}.jpg"), image)
        keypoints = " ".join(f"{x} {y} 2" for x, y in zip(range(17), range(17)))
        rows.append({"id": i, "image": f"images/{i}.jpg", "keypoints": keypoints if i != 4 else "not numbers"})
    with open(raw / "train.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "image", "keypoints"])
        writer.writeheader()
        writer.writerows(rows)
    spec = tmp_path / "specs" / "poses.yaml"
    spec.parent.mkdir()
    spec.write_text(f"name: poses\nreader: {csv_reader}\noutput: shards\nsplits: [train, val]\nfailure_threshold: 0.2\n"
                    "options: {shards: {max_samples: 2}}\n")

    report = run_build("poses", tmp_path / "out", root=raw, datasets_dir=spec.parent)
    assert (report.items, report.written, report.failed) == (6, 5, 1)
    assert report.failures[0].file == "train.csv" and "not numbers" in report.failures[0].reason
    assert report.warnings == ["split 'val' skipped: val.csv: not found"]
    manifest = Manifest.read(tmp_path / "out" / "train" / MANIFEST_NAME)
    assert [s.samples for s in manifest.shards] == [2, 2, 1] and [q.item for q in manifest.quarantined] == ["csv-train-4"]
    urls = sorted(map(str, (tmp_path / "out" / "train").glob("*.tar")))
    read = {s["__key__"]: s for s in wds.WebDataset(urls, shardshuffle=False)}
    assert sorted(read) == [f"csv-train-{i}" for i in (0, 1, 2, 3, 5)]
    assert read["csv-train-3"]["jpg"] == (raw / "images" / "3.jpg").read_bytes()
    assert json.loads(read["csv-train-3"]["json"])["persons"][0]["keypoints"][16] == [16.0, 16.0, 2.0]

    again = run_build("poses", tmp_path / "out", root=raw, datasets_dir=spec.parent)
    assert (again.written, again.skipped, again.failed) == (0, 5, 1)

"""The README's Outputs section states each contract's frames and units as schemas/ defines them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from schemas.shards import HAND_ARRAY_UNITS, HAND_ARRAYS, PERSON_UNITS
from schemas.tables import COLUMN_UNITS, FRAMES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("units", [HAND_ARRAY_UNITS, PERSON_UNITS, COLUMN_UNITS], ids=["hand", "person", "tables"])
def test_every_documented_field_is_in_the_readme_with_its_units(units):
    rows: dict[str, list[str]] = {}
    for line in README.splitlines():
        if line.startswith("| `"):
            rows.setdefault(line.split("|")[1].strip(" `"), []).append(line)
    for name, meaning in units.items():
        assert name in rows, f"README lacks a row for {name}"
        assert any(meaning in row for row in rows[name]), f"no README row for {name} says {meaning!r}"


def test_the_units_cover_the_contracts():
    assert set(HAND_ARRAY_UNITS) == set(HAND_ARRAYS)
    assert {"bbox", "keypoints", "keypoint_scores", "frame_idx"} <= set(COLUMN_UNITS) & set(FRAMES.names)


def test_readers_lists_the_options_the_specs_are_checked_against():
    result = CliRunner().invoke(app, ["readers", "aihub_falldown", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["option"]: r for r in json.loads(result.output)["aihub_falldown"]}
    assert rows["windows.length"]["default"] == "100" and rows["decode.batch"]["type"] == "int"
    assert rows["pose.backend"]["type"].startswith("annotations | mediapipe")
    assert CliRunner().invoke(app, ["readers", "nope"]).exit_code == 2

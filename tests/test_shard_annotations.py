"""Annotation files: a big JSON object is read member by member, exactly as json.load reads it."""

from __future__ import annotations

import json

import pytest

from tasks.items import ItemError, MissingSplit
from tasks.shards import annotations

TABLES = [
    "{}",
    " {\n} ",
    '{"1": {"smplx_param": {"betas": [0.1, -2.5e-3, 0.0]}, "cam_param": {"focal": [5000, 5000]}}, "2": {"x": "}\\"{"}}',
    '{"a": 12, "b": -0.0, "c": [1e400, 3], "d": null}\n',
    '{"a": 1, "a": 2}',
]


@pytest.mark.parametrize("text", TABLES)
@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_members_equal_what_json_load_reads(tmp_path, monkeypatch, text, chunk):
    monkeypatch.setattr(annotations, "CHUNK", chunk)  # chunk edges inside keys, numbers and strings
    (tmp_path / "t.json").write_text(text)
    members = dict(annotations.object_members(tmp_path, "t.json"))
    assert {key: json.loads(value) for key, value in members.items()} == json.loads(text)
    assert list(members) == list(json.loads(text))


def test_a_member_is_its_source_text(tmp_path):
    (tmp_path / "t.json").write_text('{"7": {"b": [1.50, 2E3]} }')
    assert dict(annotations.object_members(tmp_path, "t.json")) == {"7": '{"b": [1.50, 2E3]}'}


@pytest.mark.parametrize("text, where", [
    ("[1]", "expected an object keyed by id at character 0"),
    ('{"a" 1}', "expected ':' at character 5"),
    ('{"a": 1', "expected ',' or '}' at character 7"),
    ('{"a": 1} x', "expected the end of the file after the object at character 9"),
    ("{1: 2}", "expected an object key (a string) at character 1"),
    ('{"a": tru}', "does not parse as JSON: Expecting value at character 6"),
    ("", "expected an object keyed by id at character 0"),
])
def test_a_malformed_table_names_the_file_and_the_place(tmp_path, monkeypatch, text, where):
    monkeypatch.setattr(annotations, "CHUNK", 2)
    (tmp_path / "t.json").write_text(text)
    with pytest.raises(ItemError, match="t.json") as err:
        dict(annotations.object_members(tmp_path, "t.json"))
    assert where in err.value.reason


def test_a_missing_table_is_a_missing_split(tmp_path):
    with pytest.raises(MissingSplit):
        dict(annotations.object_members(tmp_path, "absent.json"))

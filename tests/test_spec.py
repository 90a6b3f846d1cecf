"""Dataset specs: the shipped ones load; bad ones fail with the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.readers import READERS
from tasks.spec import SpecError, load_spec, parse_overrides

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


@pytest.mark.parametrize("name", READERS)
def test_shipped_specs_load(name):
    spec = load_spec(name, DATASETS)
    assert spec.name == name and spec.reader == name
    assert spec.output in ("shards", "skeletons")
    assert spec.splits and 0 <= spec.failure_threshold <= 1


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "mine.yaml").write_text(text)
    return tmp_path


GOOD = "name: mine\nreader: rwf2000\noutput: skeletons\nsplits: [train]\nlabels: {NonFight: 0, Fight: 1}\n"


def test_override_sets_nested_option_and_keeps_defaults(tmp_path):
    spec = load_spec("mine", write(tmp_path, GOOD), overrides=["pose.backend=mediapipe", "failure_threshold=0.5"])
    assert spec.options["pose"]["backend"] == "mediapipe"
    assert spec.options["pose"]["score_threshold"] == load_spec("rwf2000", DATASETS).options["pose"]["score_threshold"]
    assert spec.failure_threshold == 0.5


def test_settings_hash_follows_options(tmp_path):
    folder = write(tmp_path, GOOD)
    assert load_spec("mine", folder).settings_hash() == load_spec("mine", folder).settings_hash()
    assert load_spec("mine", folder).settings_hash() != load_spec("mine", folder, overrides=["pose.backend=onnx"]).settings_hash()


def test_misspelt_option_suggests_the_right_one(tmp_path):
    with pytest.raises(SpecError) as info:
        load_spec("mine", write(tmp_path, GOOD + "options:\n  pose: {backnd: onnx}\n"))
    message = str(info.value)
    assert "mine.yaml" in message and "'options.pose.backnd'" in message and "did you mean 'backend'" in message


def test_misspelt_top_level_key(tmp_path):
    with pytest.raises(SpecError, match=r"unknown key 'splts' \(did you mean 'splits'\?\)"):
        load_spec("mine", write(tmp_path, GOOD + "splts: [val]\n"))


def test_unknown_reader(tmp_path):
    with pytest.raises(SpecError, match=r"unknown reader 'rwf200' \(did you mean 'rwf2000'\?\)"):
        load_spec("mine", write(tmp_path, GOOD.replace("reader: rwf2000", "reader: rwf200")))


def test_output_must_match_the_reader(tmp_path):
    with pytest.raises(SpecError, match="writes 'skeletons', but output is 'shards'"):
        load_spec("mine", write(tmp_path, GOOD.replace("output: skeletons", "output: shards")))


def test_option_of_the_wrong_type(tmp_path):
    with pytest.raises(SpecError, match=r"option 'options.max_persons' is 'two': Input should be a valid integer"):
        load_spec("mine", write(tmp_path, GOOD), overrides=["max_persons=two"])


def test_missing_required_key(tmp_path):
    with pytest.raises(SpecError, match="missing required key 'output'"):
        load_spec("mine", write(tmp_path, "name: mine\nreader: rwf2000\n"))


def test_invalid_yaml(tmp_path):
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec("mine", write(tmp_path, "name: [unclosed\n"))


def test_unknown_spec_name_lists_close_ones():
    with pytest.raises(SpecError, match=r"no dataset spec 'cocoo'.*did you mean 'coco'"):
        load_spec("cocoo", DATASETS)


def test_missing_root_is_a_clear_error(tmp_path):
    spec = load_spec("mine", write(tmp_path, GOOD), root=tmp_path / "nowhere")
    with pytest.raises(SpecError, match="raw root .*nowhere does not exist"):
        spec.require_root()
    spec = load_spec("mine", write(tmp_path, GOOD))
    with pytest.raises(SpecError, match="no raw root"):
        spec.require_root()


def test_parse_overrides_reads_yaml_values():
    assert parse_overrides(["a.b=3", "a.c=[1, 2]", "d=null", "e=text"]) == {"a": {"b": 3, "c": [1, 2]}, "d": None, "e": "text"}
    with pytest.raises(SpecError, match="expected KEY=VALUE"):
        parse_overrides(["pose.backend"])


def test_spec_names_resolve_in_the_project_wherever_the_command_runs(tmp_path, monkeypatch):
    from tasks.spec import PROJECT_DATASETS

    monkeypatch.chdir(tmp_path)  # a worker's temporary folder, say
    assert load_spec("coco").name == "coco"
    with pytest.raises(SpecError) as err:
        load_spec("cocoo")
    assert str(PROJECT_DATASETS) in str(err.value) and "it holds aihub_fall_sensor, aihub_falldown, coco" in str(err.value)
    with pytest.raises(SpecError, match=f"no dataset spec 'coco' in {tmp_path / 'nowhere'} \\(it does not exist\\)$"):
        load_spec("coco", tmp_path / "nowhere" / ".." / "nowhere")


def test_speed_knobs_and_input_locations_do_not_change_the_settings_hash(tmp_path):
    folder = write(tmp_path, GOOD)
    base = load_spec("mine", folder).settings_hash()
    assert load_spec("mine", folder, overrides=["decode.batch=4", "pose.batch_size=2"]).settings_hash() == base
    assert load_spec("mine", folder, overrides=["decode.stride=2"]).settings_hash() != base
    dexycb = load_spec("dexycb", DATASETS)
    assert load_spec("dexycb", DATASETS, overrides=["mano_model_dir=/elsewhere"]).settings_hash() == dexycb.settings_hash()


def test_required_splits_must_be_splits(tmp_path):
    with pytest.raises(SpecError, match=r"required_splits names \['test'\], which 'splits' \(\['train'\]\) lacks"):
        load_spec("mine", write(tmp_path, GOOD + "required_splits: [test]\n"))


def test_labels_belong_at_the_top_level(tmp_path):
    with pytest.raises(SpecError, match="put labels at the top level"):
        load_spec("mine", write(tmp_path, GOOD + "options: {labels: {a: 1}}\n"))


def test_an_option_of_a_nested_block_suggests_its_siblings(tmp_path):
    with pytest.raises(SpecError, match=r"unknown option 'options.tracking.max_ag' \(did you mean 'max_age'\?\)"):
        load_spec("mine", write(tmp_path, GOOD), overrides=["tracking.max_ag=3"])

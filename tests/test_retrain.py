"""Scheduled retraining end to end on the sample, in a scratch copy of the project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

IGNORED = shutil.ignore_patterns(".venv", ".git", "data", ".prefect", ".cache", "__pycache__", ".pytest_cache",
                                 "dvclive", "*.egg-info", ".dvc/cache", ".dvc/tmp")


@pytest.fixture(scope="module")
def project(tmp_path_factory, synthetic_sample) -> Path:
    """The project with the fight task's raw root pointed at a copy of the sample that no stage writes."""
    folder = tmp_path_factory.mktemp("project") / "posefoundry"
    shutil.copytree(ROOT, folder, ignore=IGNORED)
    shutil.copytree(synthetic_sample / "rwf2000", folder / "raw" / "rwf2000")
    params = yaml.safe_load((folder / "params.yaml").read_text())
    params["videos"]["rwf2000"] = "raw/rwf2000"
    params["stgcn"]["fight"].update(epochs=3, num_person=2)  # a lighter model: this test trains twice
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "scratch"]):
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
    return folder


def retrain(env: dict, project: Path) -> dict:
    result = subprocess.run(["posefoundry", "retrain", "fight", "--project", str(project), "--json"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-4000:]
    return json.loads(result.stdout[result.stdout.index("{"):])


def test_retrain_gates_on_data_changes(prefect_server, project):
    registry = project / "data" / "registry" / "fight"

    first = retrain(prefect_server, project)
    assert first["changed"] and first["promoted"], first
    assert (registry / "model").is_dir() and (registry / "accepted.json").exists()
    accepted = json.loads((registry / "accepted.json").read_text())
    assert accepted["data_fingerprint"] == first["data_fingerprint"] and accepted["git_revision"]

    second = retrain(prefect_server, project)
    assert not second["changed"] and "nothing to do" in second["reason"]

    # A change that makes the model worse: swap the training labels (the validation split is untouched).
    # The raw files changed, so the dataset is rebuilt and the model retrained, then gated.
    train = project / "raw" / "rwf2000" / "train"
    (train / "Fight").rename(train / "swap")
    (train / "NonFight").rename(train / "Fight")
    (train / "swap").rename(train / "NonFight")
    before = json.loads((registry / "accepted.json").read_text())
    rule = yaml.safe_load((project / "params.yaml").read_text())["retrain"]["gate"]
    fourth = retrain(prefect_server, project)
    assert fourth["changed"] and not fourth["promoted"], fourth
    assert fourth["data_fingerprint"] != first["data_fingerprint"]
    assert fourth["new_value"] < fourth["accepted_value"] - rule["max_drop"]
    assert "fell from" in fourth["reason"]
    assert json.loads((registry / "accepted.json").read_text()) == before
    decisions = [json.loads(line) for line in (registry / "decisions.jsonl").read_text().splitlines()]
    assert [d["promoted"] for d in decisions][-1] is False and len(decisions) == 2

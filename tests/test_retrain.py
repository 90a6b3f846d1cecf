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


def retrain(env: dict, project: Path, *options: str) -> dict:
    result = subprocess.run(["posefoundry", "retrain", "fight", "--project", str(project), "--json", *options],
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
    # The candidate is kept aside; the task's model folder holds the accepted model again.
    assert fourth["candidate"] == str(registry / "rejected" / "0000") and Path(fourth["candidate"]).is_dir()
    assert fourth["model_sha256"] == first["model_sha256"]
    assert tree(project / "data" / "models" / "stgcn" / "fight") == tree(registry / "model")
    assert last_state_name(prefect_server) == "Rejected"

    fifth = retrain(prefect_server, project)
    assert not fifth["trained"] and "rejected" in fifth["reason"] and "--force" in fifth["reason"], fifth
    sixth = retrain(prefect_server, project, "--force")
    assert sixth["trained"] and sixth["candidate"] == str(registry / "rejected" / "0001"), sixth


def test_a_params_change_retrains(prefect_server, project):
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["stgcn"]["fight"]["lr"] = 0.002
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    result = retrain(prefect_server, project)
    assert result["trained"] and "params.yaml (stgcn.fight)" in result["why"], result


def test_an_edit_that_dvc_undoes_trains_nothing(prefect_server, project):
    """The bundled sample is an output of the `sample` stage: DVC restores an edit of it, so nothing trains."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["videos"]["rwf2000"] = "data/raw/sample/rwf2000"
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert retrain(prefect_server, project)["trained"]
    train = project / "data" / "raw" / "sample" / "rwf2000" / "train"
    moved = sorted((train / "Fight").glob("*.avi"))[0]
    for path in (moved, moved.with_name(moved.stem + ".pose.json")):
        path.rename(train / "NonFight" / path.name)
    result = retrain(prefect_server, project)
    assert result["changed"] and not result["trained"] and not result["promoted"], result
    assert "nothing was trained" in result["reason"]
    assert (train / "Fight" / moved.name).exists()  # DVC put the sample back


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def last_state_name(env: dict) -> str:
    script = (
        "import asyncio\n"
        "from prefect.client.orchestration import get_client\n"
        "from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName\n"
        "from prefect.client.schemas.sorting import FlowRunSort\n"
        "async def main():\n"
        "    async with get_client() as client:\n"
        "        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=['retrain-fight'])),\n"
        "                                           sort=FlowRunSort.START_TIME_DESC, limit=1)\n"
        "        print(runs[0].state.name)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(["python", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]

"""Deployments on a real Prefect server: prefect.yaml deploys, a worker runs a build, cron schedules."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from flows.deployments import deployment_specs, prefect_yaml

ROOT = Path(__file__).resolve().parents[1]


def test_prefect_yaml_is_generated_from_params():
    import prefect

    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert (ROOT / "prefect.yaml").read_text() == prefect_yaml(params, prefect.__version__), (
        "prefect.yaml is stale: run `posefoundry deployments --write prefect.yaml`"
    )


def test_specs_cover_every_dataset_and_retrain_task():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    specs = {(s["entrypoint"].split(":")[1], s["name"]): s for s in deployment_specs(params)}
    for name in [*params["images"], *params["videos"]]:
        assert specs[("build_dataset", name)]["parameters"]["dataset"] == name
    for task in params["retrain"]["tasks"]:
        (schedule,) = specs[("retrain", task)]["schedules"]
        assert schedule["cron"] == params["retrain"]["schedule"]


def prefect(env: dict, *args: str, timeout: int = 300) -> str:
    result = subprocess.run(["prefect", *args], cwd=ROOT, env={**env, "PWD": str(ROOT)},
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def flow_runs(env: dict, deployment: str) -> list[dict]:
    code = (
        "import asyncio, json\n"
        "from prefect.client.orchestration import get_client\n"
        "async def main():\n"
        "    async with get_client() as client:\n"
        f"        d = await client.read_deployment_by_name({deployment!r})\n"
        "        runs = await client.read_flow_runs()\n"
        "        print(json.dumps([{'state': r.state_type.value, 'deployment': str(r.deployment_id) == str(d.id)} for r in runs]))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(["python", "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    return [r for r in json.loads(out.stdout.strip().splitlines()[-1]) if r["deployment"]]


@pytest.fixture(scope="module")
def deployed(prefect_server):
    prefect(prefect_server, "work-pool", "create", "posefoundry", "--type", "process")
    prefect(prefect_server, "--no-prompt", "deploy", "--all")
    return prefect_server


@pytest.mark.slow
def test_worker_runs_a_deployed_build(deployed, coco_raw, tmp_path):
    out = tmp_path / "coco"
    prefect(deployed, "deployment", "run", "build-dataset/coco", "--param", f"root={coco_raw}", "--param", f"out={out}")
    prefect(deployed, "worker", "start", "--pool", "posefoundry", "--run-once", timeout=600)
    runs = flow_runs(deployed, "build-dataset/coco")
    assert [r["state"] for r in runs] == ["COMPLETED"]
    for split in ("train", "val"):
        manifest = json.loads((out / split / "manifest.json").read_text())
        for shard in manifest["shards"]:
            data = (out / split / shard["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == shard["sha256"]


@pytest.mark.slow
def test_cron_deployment_gets_scheduled_runs(deployed):
    deadline = time.monotonic() + 90
    while True:
        runs = flow_runs(deployed, "retrain/fight")
        if any(r["state"] == "SCHEDULED" for r in runs) or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert any(r["state"] == "SCHEDULED" for r in runs), runs


@pytest.mark.slow
def test_serve_refuses_to_take_over_worker_deployments_and_the_worker_keeps_working(deployed, coco_raw, tmp_path):
    done = subprocess.run(["posefoundry", "serve"], env=deployed, capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 2
    assert "build-dataset/coco (work pool posefoundry)" in done.stdout + done.stderr
    out = tmp_path / "coco"
    prefect(deployed, "deployment", "run", "build-dataset/coco", "--param", f"root={coco_raw}", "--param", f"out={out}")
    prefect(deployed, "worker", "start", "--pool", "posefoundry", "--run-once", timeout=600)
    states = [r["state"] for r in flow_runs(deployed, "build-dataset/coco")]
    assert states and set(states) == {"COMPLETED"}, states
    assert (out / "val" / "manifest.json").is_file()


def latest_artifact(env: dict, key: str) -> str:
    code = (
        "import asyncio\n"
        "from prefect.client.orchestration import get_client\n"
        "from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey\n"
        "async def main():\n"
        "    async with get_client() as client:\n"
        f"        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[{key!r}])))\n"
        "        print(sorted(found, key=lambda a: a.created)[-1].data)\n"
        "asyncio.run(main())\n"
    )
    return subprocess.run(["python", "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.mark.slow
def test_a_deployed_build_past_its_failure_threshold_ends_failed(deployed, coco_raw, tmp_path):
    """The policy lives in the flow: a deployment run says what the CLI's exit code says."""
    raw = tmp_path / "coco"
    shutil.copytree(coco_raw, raw)
    victim = sorted((raw / "val2017").iterdir())[0]
    victim.write_bytes(b"not an image")
    before = Counter(r["state"] for r in flow_runs(deployed, "build-dataset/coco"))
    for threshold in ("0.0", "0.5"):
        prefect(deployed, "deployment", "run", "build-dataset/coco", "--param", f"root={raw}",
                "--param", f"out={tmp_path / 'out'}", "--param", f'overrides=["failure_threshold={threshold}"]')
        prefect(deployed, "worker", "start", "--pool", "posefoundry", "--run-once", timeout=600)
        after = Counter(r["state"] for r in flow_runs(deployed, "build-dataset/coco"))
        assert after - before == Counter({"FAILED" if threshold == "0.0" else "COMPLETED": 1}), (threshold, after, before)
        before = after
        failures = latest_artifact(deployed, "coco-failures")
        assert f"val2017/{victim.name}" in failures and "JPEG" in failures

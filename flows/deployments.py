"""The project's deployments, derived from params.yaml: one per dataset build, one retrain per task.

The same list feeds `prefect.yaml` (work pool + worker, `prefect deploy --all`) and
`posefoundry serve` (one process serving everything on a single machine)."""

from __future__ import annotations

from typing import Any

import yaml

BUILD_ENTRYPOINT = "flows/build.py:build_dataset"
RETRAIN_ENTRYPOINT = "flows/retrain.py:retrain"
OUTPUT_OF_GROUP = {"images": "shards", "videos": "skeletons"}


def deployment_specs(params: dict[str, Any]) -> list[dict[str, Any]]:
    specs = []
    for group, output in OUTPUT_OF_GROUP.items():
        for dataset, root in params.get(group, {}).items():
            specs.append({
                "name": dataset,
                "entrypoint": BUILD_ENTRYPOINT,
                "description": f"Build {dataset} into {output} from {root}",
                "tags": ["build", output, dataset],
                "parameters": {"dataset": dataset, "root": root, "out": f"data/{output}/{dataset}"},
                "schedules": [],
            })
    retrain = params.get("retrain", {})
    for task in retrain.get("tasks", {}):
        specs.append({
            "name": task,
            "entrypoint": RETRAIN_ENTRYPOINT,
            "description": f"Retrain {task} when its raw data changes, then gate and promote",
            "tags": ["retrain", task],
            "parameters": {"task": task},
            "schedules": [{"cron": retrain["schedule"], "timezone": retrain.get("timezone", "UTC"), "active": True}],
        })
    return specs


def prefect_yaml(params: dict[str, Any], prefect_version: str) -> str:
    """prefect.yaml's text; the header says it is generated, so edits go to params.yaml."""
    pool = params["retrain"]["work_pool"]
    document = {
        "name": "posefoundry",
        "prefect-version": prefect_version,
        "build": None,
        "push": None,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $PWD }}"}}],
        "deployments": [
            {**spec, "work_pool": {"name": pool, "work_queue_name": None, "job_variables": {}}}
            for spec in deployment_specs(params)
        ],
    }
    header = (
        "# Generated from params.yaml by `posefoundry deployments --write`: edit params.yaml, then rerun it.\n"
        "# Deploy from the project folder: runs execute there (see the README).\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, width=120)

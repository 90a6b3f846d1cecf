"""Running DVC stages from a flow: the same `dvc repro` a person runs, with its output logged."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable


# DVC's own line when it executes a stage's command (skipped and run-cache restores print others).
_RUNNING = re.compile(r"^Running stage '([^']+)'")


class StageFailed(RuntimeError):
    """`dvc repro` exited non-zero; the message carries the end of its output."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def dvc_repro(project: Path, stages: list[str], log: Callable[[str], None] = print,
              options: tuple[str, ...] = ()) -> list[str]:
    """Reproduce `stages` (and whatever upstream changed) in `project` with this environment's tools;
    returns the stages DVC actually ran (not those it skipped or restored from its run cache)."""
    command = [sys.executable, "-m", "dvc", "repro", *options, *stages]
    log(f"running {' '.join(['dvc', 'repro', *options, *stages])} in {project}")
    process = subprocess.Popen(command, cwd=project, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    tail: list[str] = []
    ran: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-40:]
        match = _RUNNING.match(line)
        if match:
            ran.append(match.group(1))
        log(line)
    if process.wait() != 0:
        raise StageFailed(f"dvc repro {' '.join(stages)} failed in {project}:\n" + "\n".join(tail))
    return ran


def dvc_status(project: Path, stage: str) -> dict[str, list]:
    """What `dvc status` finds out of date for `stage` and everything upstream: stage -> changes.
    Empty when the stage's outputs are what its current code, params and data give."""
    done = subprocess.run([sys.executable, "-m", "dvc", "status", "--json", "--with-deps", stage], cwd=project, env=_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise StageFailed(f"dvc status {stage} failed in {project}:\n{done.stderr[-2000:]}")
    text = done.stdout.strip()
    return json.loads(text[text.index("{"):]) if "{" in text else {}

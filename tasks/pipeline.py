"""Running DVC stages from a flow: the same `dvc repro` a person runs, with its output logged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable


class StageFailed(RuntimeError):
    """`dvc repro` exited non-zero; the message carries the end of its output."""


def dvc_repro(project: Path, stages: list[str], log: Callable[[str], None] = print) -> None:
    """Reproduce `stages` (and whatever upstream changed) in `project` with this environment's tools."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [sys.executable, "-m", "dvc", "repro", *stages]
    log(f"running {' '.join(['dvc', 'repro', *stages])} in {project}")
    process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-40:]
        log(line)
    if process.wait() != 0:
        raise StageFailed(f"dvc repro {' '.join(stages)} failed in {project}:\n" + "\n".join(tail))

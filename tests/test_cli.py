"""The `posefoundry` command: help, and usage errors that say what is wrong (exit 2)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from flows.runners import make_task_runner

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_entry_point_is_installed():
    exe = shutil.which("posefoundry") or str(ROOT / ".venv" / "bin" / "posefoundry")
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    for command in ("sample", "build"):
        assert command in result.stdout


def test_sample_rejects_unknown_dataset(tmp_path):
    result = runner.invoke(app, ["sample", "--out", str(tmp_path), "--only", "kinetics"])
    assert result.exit_code == 2
    assert "kinetics" in result.output and "rwf2000" in result.output
    assert not any(tmp_path.iterdir())


def test_build_unknown_dataset_suggests(tmp_path):
    result = runner.invoke(app, ["build", "cocoo", "--datasets-dir", str(ROOT / "datasets"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no dataset spec 'cocoo'" in result.output and "did you mean 'coco'" in result.output


def test_build_missing_root_names_it(tmp_path):
    missing = tmp_path / "raw"
    result = runner.invoke(app, ["build", "coco", "--datasets-dir", str(ROOT / "datasets"), "--root", str(missing)])
    assert result.exit_code == 2
    assert f"raw root {missing} does not exist" in result.output


def test_build_misspelt_override(tmp_path):
    result = runner.invoke(app, ["build", "rwf2000", "--datasets-dir", str(ROOT / "datasets"), "--root", str(tmp_path),
                                 "--set", "pose.backnd=onnx"])
    assert result.exit_code == 2
    assert "did you mean 'backend'" in result.output


@pytest.mark.parametrize("kind", ["threads", "processes", "dask"])
def test_task_runners_by_name(kind):
    assert make_task_runner(kind, workers=2) is not None


def test_unknown_task_runner():
    with pytest.raises(ValueError, match="unknown task runner 'spark'"):
        make_task_runner("spark")


def test_a_command_run_outside_the_project_leaves_the_current_folder_alone(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "cli.main", "build", "coco", "--root", str(tmp_path / "none")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in __import__("os").environ.items() if not k.startswith("PREFECT_HOME")})
    assert done.returncode == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "pose.backend=nonsense"], "option 'options.pose.backend' is 'nonsense': Input should be 'annotations'"),
    (["--runner", "bogus"], "--runner 'bogus': expected one of threads, processes, dask"),
    (["--workers", "0"], "--workers 0: expected 1 or more"),
    (["--set", "decode.batch=0"], "option 'options.decode.batch' is 0: Input should be greater than 0"),
])
def test_usage_errors_are_found_before_anything_starts(tmp_path, args, message):
    """Exit 2 with one line, at once: no server started, no folder written."""
    (tmp_path / "raw").mkdir()
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "rwf2000", "--datasets-dir", str(ROOT / "datasets"), "--root", str(tmp_path / "raw"),
                                 "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_shard_limits_must_be_positive(tmp_path):
    result = runner.invoke(app, ["build", "coco", "--datasets-dir", str(ROOT / "datasets"), "--root", str(tmp_path),
                                 "--out", str(tmp_path / "out"), "--set", "shards.max_samples=0"])
    assert result.exit_code == 2
    assert "option 'options.shards.max_samples' is 0: Input should be greater than 0" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_an_output_under_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["build", "coco", "--datasets-dir", str(ROOT / "datasets"), "--root", str(tmp_path),
                                 "--out", str(tmp_path / "file" / "coco")])
    assert result.exit_code == 2 and "is a file, not a folder" in result.output


def test_a_read_only_output_folder_is_a_usage_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if __import__("os").access(locked, __import__("os").W_OK):
            pytest.skip("running as a user who can write anywhere")
        result = runner.invoke(app, ["build", "coco", "--datasets-dir", str(ROOT / "datasets"), "--root", str(tmp_path),
                                     "--out", str(locked / "coco")])
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2 and "is not writable" in result.output
    assert not (locked / "coco").exists()


def test_a_second_build_into_a_held_folder_exits_2_naming_the_holder(tmp_path):
    from tasks.lock import output_lock

    out = tmp_path / "out"
    with output_lock(out):
        result = runner.invoke(app, ["build", "coco", "--datasets-dir", str(ROOT / "datasets"), "--root", str(tmp_path),
                                     "--out", str(out)])
    assert result.exit_code == 2
    assert f"{out} is being built by pid {__import__('os').getpid()}" in " ".join(result.output.split())
    assert sorted(p.name for p in out.rglob("*")) == [".cache", "lock"]  # nothing but the lock itself

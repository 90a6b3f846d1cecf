"""`dvc plots show` with the project's template writes a page that needs no network: vega, vega-lite
and vega-embed are inlined, no script is loaded from anywhere."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from dvclive import Live

ROOT = Path(__file__).resolve().parents[1]


def dvc() -> str:
    return shutil.which("dvc") or str(ROOT / ".venv" / "bin" / "dvc")


def test_project_config_selects_the_offline_template():
    config = configparser.ConfigParser()
    config.read(ROOT / ".dvc" / "config")
    template = (ROOT / ".dvc" / config["plots"]["html_template"]).resolve()
    assert template == ROOT / "training" / "plots" / "offline.html"
    text = template.read_text()
    assert "{plot_divs}" in text and "{scripts}" not in text
    assert not re.search(r"<script[^>]*\bsrc=", text)


@pytest.mark.slow
def test_plots_page_is_self_contained(tmp_path):
    with Live(dir=str(tmp_path / "metrics"), save_dvc_exp=False, dvcyaml=None) as live:
        for loss in (0.7, 0.5, 0.3):
            live.log_metric("train/loss", loss)
            live.next_step()
        live.log_sklearn_plot("confusion_matrix", ["Fight", "NonFight", "Fight"], ["Fight", "Fight", "Fight"],
                              name="confusion_matrix.json")
    (tmp_path / "dvc.yaml").write_text(
        "plots:\n"
        "  - metrics/plots/metrics:\n      x: step\n"
        "  - metrics/plots/sklearn/confusion_matrix.json:\n      template: confusion\n      x: actual\n      y: predicted\n"
    )
    run = dict(cwd=tmp_path, capture_output=True, text=True, timeout=120)
    subprocess.run([dvc(), "init", "--no-scm", "-q"], check=True, **run)
    template = ROOT / "training" / "plots" / "offline.html"
    result = subprocess.run([dvc(), "plots", "show", "--html-template", str(template), "-o", "page"], **run)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "page" / "index.html").read_text()
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert "cdn.jsdelivr" not in html
    assert html.count("vegaEmbed('#") == 2
    for library in ("vega 5.", "vega-lite 5.", "vega-embed 6."):
        assert f"/* {library}" in html

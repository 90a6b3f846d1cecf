"""`posefoundry train smplx`: the SMPL-X stage of the DVC pipeline (block `smplx:` of params.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli.mesh_train import figure_table, metrics_option, out_option, params_option, show_result, train_stage


def smplx(
    params_file: Path = params_option("smplx"),
    out: Path = out_option("smplx"),
    metrics: Path = metrics_option("smplx"),
    data: Path = typer.Option(None, "--data", help="COCO shard folder; default: smplx.shards of the params."),
) -> None:
    """Train the ViT + SMPL-X model on COCO person crops; write config.py + model.pth, the figures
    beside a mean-pose baseline, curves and a picture of meshes on val crops."""
    import dataclasses

    from training.smplx.metric import FIGURES
    from training.smplx.params import SmplxParams
    from training.smplx.train import train

    def read(block: Any, source: str) -> SmplxParams:
        params = SmplxParams.from_dict(block, source)
        return params if data is None else dataclasses.replace(params, shards=str(data))

    params, result = train_stage(
        params_file, "smplx", read,
        lambda p: (f"training the SMPL-X model on {p.shards} ({p.iters} iterations of "
                   f"{p.batch_size} persons, {p.image_size} px)"),
        lambda p, source: train(p, out, metrics, source))
    figures = result.metrics
    title = (f"SMPL-X on split {params.val_split!r} after {params.iters} iterations: "
             f"{figures.get('persons', 0):.0f} persons, {figures.get('persons_smplx', 0):.0f} with NeuralAnnot "
             "(baseline: the training persons' mean body)")
    rows = [(["model"], figures, ""), (["baseline"], result.baseline, "")]
    show_result(figure_table(title, FIGURES, [""], rows), result, "persons", metrics)

"""`posefoundry train hand`: the hand-mesh stage of the DVC pipeline (block `hand:` of params.yaml)."""

from __future__ import annotations

from pathlib import Path

from cli.mesh_train import figure_table, metrics_option, out_option, params_option, show_result, train_stage


def hand(
    params_file: Path = params_option("hand"),
    out: Path = out_option("hand"),
    metrics: Path = metrics_option("hand"),
) -> None:
    """Train the ViT + MANO hand-mesh model on the hand-clip shards; write config.py + model.pth,
    the figures beside a mean-pose baseline, curves and a picture of meshes on val crops."""
    from training.hand.metric import FIGURES
    from training.hand.params import HandParams
    from training.hand.train import train

    params, result = train_stage(
        params_file, "hand", HandParams.from_dict,
        lambda p: (f"training the hand-mesh model on {', '.join(p.shards.values())} "
                   f"({p.iters} iterations of {p.batch_size}, T={p.frames}, {p.image_size} px)"),
        lambda p, source: train(p, out, metrics, source))
    rows = [([source if label == "model" else "", label], figures, prefix)
            for source, prefix in [("all", "")] + [(name, f"{name}/") for name in params.shards]
            for label, figures in (("model", result.metrics), ("baseline", result.baseline))]
    title = (f"hand mesh on split {params.val_split!r} after {params.iters} iterations "
             "(baseline: the training clips' mean pose)")
    show_result(figure_table(title, FIGURES, ["clips from", ""], rows), result, "hand clips", metrics)

"""`posefoundry predict hand IMAGE --box x1,y1,x2,y2 [--left]`: the trained hand-mesh model on one hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer

from cli.mesh_predict import MeshPredictor, mesh_command, option


def load(model: Path, mano: Path | None) -> Any:
    """The trained model; `mano`: the right MANO file to use instead of the one it was trained with."""
    from training.hand.train import load_model

    return load_model(model, mano_file=mano)


def predict(trained: Any, pixels: np.ndarray, box: np.ndarray, focal: float | None,
            left: bool) -> tuple[np.ndarray, dict[str, Any], str]:
    """The mesh drawn on the image, the 21 joints (image pixels and camera-frame mm), and which hand."""
    from training.hand.predict import draw_prediction, predict_hand

    prediction = predict_hand(trained, pixels, box, left=left, focal=focal)
    return draw_prediction(pixels, prediction), prediction.to_json(), f"{prediction.handedness} hand"


HAND = MeshPredictor(
    stage="hand", name="hand-mesh model", kind="hand", subject="hand",
    body_file=("--mano", "The right MANO model file"), document=("--joints", "The 21 joints"),
    load=load, predict=predict,
    options=(option("left", bool, typer.Option(False, "--left", help="The hand is a left hand.")),),
)

hand = mesh_command(HAND, "Draw the predicted mesh on IMAGE and write the 21 joints (image pixels and "
                         "camera-frame mm) as JSON.")

"""`posefoundry predict body IMAGE --box x1,y1,x2,y2`: the trained SMPL-X model on one person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cli.mesh_predict import MeshPredictor, mesh_command


def load(model: Path, smplx_file: Path | None) -> tuple[Any, float]:
    """The trained model (`smplx_file`: the SMPL-X file to use instead of the one it was trained with)
    and the crop scale it was trained with: a person is cropped the same way."""
    import torch

    from training.engine import CHECKPOINT_NAME
    from training.smplx.train import load_model

    trained = load_model(model, model_file=smplx_file)
    return trained, float(torch.load(model / CHECKPOINT_NAME, map_location="cpu")["meta"]["crop_scale"])


def predict(loaded: tuple[Any, float], pixels: np.ndarray, box: np.ndarray,
            focal: float | None) -> tuple[np.ndarray, dict[str, Any], str]:
    """The mesh drawn on the image and its parameters (NeuralAnnot's fields), the camera they assume
    and the COCO-17 keypoints."""
    from training.smplx.predict import draw_prediction, predict_body

    trained, crop_scale = loaded
    prediction = predict_body(trained, pixels, box, crop_scale, focal=focal)
    return draw_prediction(pixels, prediction), prediction.to_json(), "person"


BODY = MeshPredictor(
    stage="smplx", name="SMPL-X model", kind="body", subject="person",
    body_file=("--smplx", "The SMPL-X model file"), document=("--params", "The SMPL-X parameters"),
    load=load, predict=predict,
)

body = mesh_command(BODY, "Draw the predicted SMPL-X mesh on IMAGE and write its parameters (NeuralAnnot's fields), "
                          "the camera they assume and the COCO-17 keypoints as JSON.")

"""The SMPL-X model (SMPLer-X-style): a ViT encoder and four learned queries (body, left hand,
right hand, face) that cross-attend to the image tokens; the body query's heads give the global
orientation and 21 body joints (6D each), shape (10) and a camera, the hand queries 15 joints each
(6D), the face query the jaw (6D) and expression (10). smplx's SMPL-X layer decodes them.

The camera is (log scale, u, v) of the pelvis (training.mesh.camera), so every person's COCO-17
joints project into its crop and the 2D loss reaches every labelled person; the parameter, 3D
joint and camera losses only reach persons with NeuralAnnot (`has_smplx`). The SMPL-X layer is
held outside the module tree: the body model's licensed arrays never enter a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

import mmstack
import training.smplx.preprocess  # noqa: F401  (registers SmplxDataPreprocessor)
from schemas.shards import COCO_FROM_SMPLX, SMPLX_PARAMS
from training.mesh.bodymodels import OutsideTree, Smplx
from training.mesh.camera import camera_points, camera_target, masked_mean
from training.mesh.encoder import VitEncoder, sincos_positions
from training.mesh.rotations import matrix_to_rot6d, rot6d_to_matrix

BaseModel = mmstack.import_module("mmengine.model").BaseModel
MODELS = mmstack.import_module("mmengine.registry").MODELS

BODY_SPAN_MM = 2000.0  # depth scale: a person filling the crop (box * crop_scale) at log scale 0
BODY_JOINTS = 22  # pelvis + 21 body joints: what MPJPE and the 3D joint loss use
_COCO = list(COCO_FROM_SMPLX)


@dataclass
class MeanBody:
    """A starting point and a baseline: rotations [53, 3, 3] (root, body, hands, jaw), betas, expression
    and the camera [3] (where the crops put a body, on average)."""

    rot: torch.Tensor
    betas: torch.Tensor
    expression: torch.Tensor
    cam: torch.Tensor


@MODELS.register_module()
class SmplxModel(BaseModel):
    def __init__(self, encoder: dict[str, Any], model_file: str, decoder_layers: int, loss_weights: dict[str, float],
                 sincos: bool, data_preprocessor: dict[str, Any]) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.encoder = VitEncoder(**encoder)
        if sincos and not encoder.get("pretrained") and not encoder.get("config"):
            sincos_positions(self.encoder)
        width, heads = self.encoder.width, int(encoder["heads"])
        self.image_size = int(encoder["image_size"])
        self.loss_weights = dict(loss_weights)
        self._smplx = OutsideTree(Smplx(model_file))
        self.queries = nn.Parameter(torch.randn(1, 4, width) * 0.02)  # body, left hand, right hand, face
        block = nn.TransformerDecoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(block, max(1, decoder_layers))
        self.norm = nn.LayerNorm(width)
        self.heads = nn.ModuleDict({
            "body": nn.Linear(width, 22 * 6), "lhand": nn.Linear(width, 15 * 6), "rhand": nn.Linear(width, 15 * 6),
            "jaw": nn.Linear(width, 6), "shape": nn.Linear(width, 10), "expr": nn.Linear(width, 10),
            "cam": nn.Linear(width, 3),
        })
        facing = torch.diag(torch.tensor([1.0, -1.0, -1.0]))  # turned to face the camera (y down, z away)
        rest = torch.eye(3).expand(53, 3, 3).clone()
        rest[0] = facing
        self.start_from(MeanBody(rest, torch.zeros(10), torch.zeros(10), torch.zeros(3)))

    @property
    def smplx(self) -> Smplx:
        return self._smplx.model

    def start_from(self, mean: MeanBody) -> None:
        """Heads that answer `mean` whatever the image (small weights, the mean as bias)."""
        rot6d = matrix_to_rot6d(mean.rot.float())
        bias = {"body": rot6d[:22], "lhand": rot6d[22:37], "rhand": rot6d[37:52], "jaw": rot6d[52:],
                "shape": mean.betas, "expr": mean.expression, "cam": mean.cam}
        with torch.no_grad():
            for name, head in self.heads.items():
                head.weight.normal_(0.0, 0.001)
                head.bias.copy_(bias[name].reshape(-1).to(head.bias))

    def regress(self, images: torch.Tensor, mesh: bool = True) -> dict[str, torch.Tensor]:
        """Images [B, 3, S, S] -> rotations [B, 53, 3, 3], betas, expression, cam, and the pelvis-relative
        joints [B, 76, 3] and (with `mesh`) vertices [B, 10475, 3] in mm."""
        tokens = self.encoder(images)
        state = self.norm(self.decoder(self.queries.expand(tokens.shape[0], -1, -1), tokens))
        body, lhand, rhand, face = state.unbind(1)
        batch = images.shape[0]
        rot6d = torch.cat([self.heads["body"](body).view(batch, 22, 6), self.heads["lhand"](lhand).view(batch, 15, 6),
                           self.heads["rhand"](rhand).view(batch, 15, 6), self.heads["jaw"](face).view(batch, 1, 6)], 1)
        rot = rot6d_to_matrix(rot6d)
        betas, expression = self.heads["shape"](body), self.heads["expr"](face)
        out = {"rot": rot, "betas": betas, "expr": expression, "cam": self.heads["cam"](body)}
        return {**out, **body_points(self._smplx.on(images.device), rot, betas, expression, mesh)}

    def ground_truth(self, samples: dict[str, Any], mesh: bool = True) -> dict[str, torch.Tensor]:
        """NeuralAnnot's body as the (augmented) crop sees it: rotations, pelvis-relative joints and
        vertices (mm), and the camera that puts its pelvis where it is. Rows without it are zeros."""
        params = {name: samples[name] for name in SMPLX_PARAMS}
        smplx = self._smplx.on(samples["turn"].device)
        rot = smplx.rotations(params)
        rot = torch.cat([(samples["turn"] @ rot[:, 0])[:, None], rot[:, 1:]], dim=1)
        with torch.no_grad():
            points = body_points(smplx, rot, params["shape"], params["expr"], mesh)
        pelvis = points.pop("pelvis")  # the root turns about the pelvis: it stays, `trans` moves it
        pelvis_cam = (samples["turn"] @ (pelvis + params["trans"])[..., None])[..., 0] * 1000.0
        depth = pelvis_cam[:, 2:].clamp_min(1.0)
        pelvis_px = pelvis_cam[:, :2] / depth * samples["focal"] + samples["princpt"]
        has = samples["has_smplx"] > 0
        return {"rot": rot, "betas": params["shape"], "expr": params["expr"], "has": has, **points,
                "cam": camera_target(pelvis_cam[:, None], pelvis_px[:, None], samples["focal"], self.image_size,
                                     BODY_SPAN_MM)}

    def forward(self, inputs: torch.Tensor, data_samples: dict[str, Any] | None = None, mode: str = "tensor") -> Any:
        pred = self.regress(inputs, mesh=mode != "loss")
        if mode == "tensor":
            return pred
        points, pixels = camera_points(pred["joints"][:, _COCO], pred["cam"], data_samples["focal"],
                                       data_samples["princpt"], self.image_size, BODY_SPAN_MM)
        gt = self.ground_truth(data_samples, mesh=mode != "loss")
        if mode == "loss":
            return self.losses(pred, gt, pixels, data_samples)
        if mode == "predict":
            shift = points[:, :1] - pred["joints"][:, _COCO][:, :1]  # pelvis-relative -> camera frame
            return package(data_samples, gt, {**pred, "uv": pixels, "vertices_cam": pred["vertices"] + shift})
        raise ValueError(f"unknown mode {mode!r}")

    def losses(self, pred: dict[str, torch.Tensor], gt: dict[str, torch.Tensor], pixels: torch.Tensor,
               samples: dict[str, Any]) -> dict[str, torch.Tensor]:
        w, has = self.loss_weights, gt["has"]
        visible = samples["visible"] > 0
        return {
            "loss_2d": w["2d"] * masked_mean((pixels - samples["keypoints"]).abs() / self.image_size, visible),
            "loss_joints": w["joints"] * masked_mean(
                (pred["joints"][:, :BODY_JOINTS] - gt["joints"][:, :BODY_JOINTS]).abs() / 1000.0, has),
            "loss_pose": w["pose"] * masked_mean((pred["rot"] - gt["rot"]) ** 2, has),
            "loss_shape": w["shape"] * masked_mean((pred["betas"] - gt["betas"]) ** 2, has),
            "loss_expr": w["expr"] * masked_mean((pred["expr"] - gt["expr"]) ** 2, has),
            "loss_camera": w["camera"] * masked_mean((pred["cam"] - gt["cam"]).abs(), has),
            "loss_prior": w["prior"] * (pred["betas"] ** 2).mean(),
        }


def body_points(smplx: Smplx, rot: torch.Tensor, betas: torch.Tensor, expression: torch.Tensor,
                mesh: bool) -> dict[str, torch.Tensor]:
    """Pelvis-relative `joints` [B, 76, 3] and, with `mesh`, `vertices` [B, 10475, 3], in mm; and
    where the `pelvis` [B, 3] is (metres, model frame, no translation)."""
    if not mesh:
        joints = smplx.joints(rot, betas, expression)
        return {"joints": (joints - joints[:, :1]) * 1000.0, "pelvis": joints[:, 0]}
    vertices, joints = smplx(rot, betas, expression)
    pelvis = joints[:, :1]
    return {"joints": (joints[:, :76] - pelvis) * 1000.0, "vertices": (vertices - pelvis) * 1000.0, "pelvis": joints[:, 0]}


def package(samples: dict[str, Any], gt: dict[str, torch.Tensor], pred: dict[str, torch.Tensor]) -> list[dict[str, Any]]:
    """Per-person dicts for the metric (numpy): body joints and vertices (mm, pelvis-relative) and the
    COCO-17 keypoints in network pixels (the `image_size` crop), predicted and labelled."""
    fields = {
        "pred_joints": pred["joints"][:, :BODY_JOINTS], "gt_joints": gt["joints"][:, :BODY_JOINTS],
        "pred_vertices": pred["vertices"], "gt_vertices": gt["vertices"],
        "pred_uv": pred["uv"], "gt_uv": samples["keypoints"], "visible": samples["visible"] > 0, "has_smplx": gt["has"],
    }
    if "vertices_cam" in pred:
        fields.update(vertices_cam=pred["vertices_cam"], focal=samples["focal"], princpt=samples["princpt"],
                      rot=pred["rot"], betas=pred["betas"], expr=pred["expr"], cam=pred["cam"])
    arrays = {k: v.detach().float().cpu().numpy() for k, v in fields.items()}
    return [{**{k: v[i] for k, v in arrays.items()}, "key": samples["keys"][i]} for i in range(len(samples["keys"]))]

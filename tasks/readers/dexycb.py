"""DexYCB (sequences, labels npz, meta.yml, intrinsics) -> hand-clip shards.

An item is T consecutive frames of one sequence seen by one camera; a clip with a frame where the
hand is absent (DexYCB writes -1 joints) yields no sample. Joints go from metres to mm. The PCA
MANO pose becomes 48 axis-angle values when MANO model files are given (`mano_model_dir`), else it
is kept as PCA and the sample's JSON says so. Splits follow the official setups s0-s3 of
dex-ycb-toolkit, over subjects, serials and sequences in sorted order (which is the toolkit's).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from schemas.shards import HAND_CLIP
from tasks.fingerprint import sha256_file
from pydantic import Field

from tasks.readers import options
from tasks.shards.handclip import HandFrame, clip_windows, hand_clip_sample
from tasks.items import Item, ItemError
from tasks.shards.mano import AXIS_ANGLE, PCA, pca_to_axis_angle, pose_components

OUTPUT = "shards"
KIND = HAND_CLIP


class ManoFiles(options.Strict):
    right: str = "MANO_RIGHT.pkl"
    left: str = "MANO_LEFT.pkl"


class Options(options.HandClipOptions):
    setup: Literal["s0", "s1", "s2", "s3"] = Field("s0", description="the official split setup")
    intrinsics: str = Field("calibration/intrinsics/{serial}_640x480.yml", description="camera intrinsics file")
    mano_calibration: str = Field("calibration/mano_{calib}/mano.yml", description="per-subject MANO shape file")
    mano_files: ManoFiles = ManoFiles()
    fps: float = Field(30.0, gt=0, description="frame rate, for clip timestamps")


OPTIONS = Options().model_dump()
SUBJECT = re.compile(r"^\d{8}-subject-\d{2}$")
SPLITS = ("train", "val", "test")


def in_setup(setup: str, split: str, subject: int, serial: int, sequence: int) -> bool:
    """dex-ycb-toolkit's setups, by index of subject (0-9), camera serial (0-7) and sequence (0-99)."""
    if split not in SPLITS:
        raise ValueError(f"DexYCB split {split!r} is not one of {SPLITS}")
    if setup == "s0":  # seen subjects, cameras and objects: every 5th sequence held out
        if split == "train":
            return sequence % 5 != 4
        return sequence % 5 == 4 and (subject in (0, 1)) == (split == "val")
    if setup == "s1":  # unseen subjects
        return subject in {"train": (0, 1, 2, 3, 4, 5, 9), "val": (6,), "test": (7, 8)}[split]
    if setup == "s2":  # unseen cameras
        return serial in {"train": (0, 1, 2, 3, 4, 5), "val": (6,), "test": (7,)}[split]
    if setup == "s3":  # unseen grasped objects
        group = sequence // 5
        held = {"val": (3, 19), "test": (7, 11, 15)}
        return group not in held["val"] + held["test"] if split == "train" else group in held[split]
    raise ValueError(f"unknown DexYCB setup {setup!r}; expected s0, s1, s2 or s3")


def _yaml(root: Path, name: str) -> Any:
    path = Path(root) / name
    if not path.is_file():
        raise ItemError(name, "file not found")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ItemError(name, f"does not parse as YAML: {err}") from None


def _serials(root: Path, opts: dict[str, Any]) -> list[str]:
    pattern = opts["intrinsics"]
    folder = (Path(root) / pattern.format(serial="X")).parent
    head, _, tail = Path(pattern).name.partition("{serial}")
    found = sorted(p.name[len(head):len(p.name) - len(tail)] for p in folder.glob(f"{head}*{tail}"))
    if not found:
        raise ItemError(Path(pattern).parent.as_posix(), f"no camera intrinsics matching {Path(pattern).name}")
    return found


def _sequence_items(root: Path, split: str, opts: dict[str, Any], subject: str, s_index: int, sequence: str, q_index: int,
                    serials: list[str], cache: dict[str, Any], models: dict[str, str]) -> list[Item]:
    meta_name = f"{subject}/{sequence}/meta.yml"
    meta = _yaml(root, meta_name)
    if not isinstance(meta, dict):
        raise ItemError(meta_name, "expected a mapping")
    try:
        side = str(meta["mano_sides"][0])
        calib = str(meta["mano_calib"][0])
        num_frames = int(meta["num_frames"])
        sequence_serials = [str(s) for s in meta["serials"]]
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise ItemError(meta_name, f"lacks serials, num_frames, mano_sides or mano_calib: {type(err).__name__}: {err}") from None
    if side not in ("right", "left"):
        raise ItemError(meta_name, f"mano_sides is {side!r}, expected 'right' or 'left'")
    calib_name = opts["mano_calibration"].format(calib=calib)
    if calib_name not in cache:
        cache[calib_name] = [float(b) for b in (_yaml(root, calib_name) or {}).get("betas", [])]
    betas = cache[calib_name]
    if len(betas) != 10:
        raise ItemError(calib_name, f"betas has {len(betas)} values, expected 10")
    items = []
    clip = opts["clip"]
    for serial in sequence_serials:
        if serial not in serials:
            raise ItemError(meta_name, f"serial {serial} has no intrinsics file")
        if not in_setup(opts["setup"], split, s_index, serials.index(serial), q_index):
            continue
        intr_name = opts["intrinsics"].format(serial=serial)
        if intr_name not in cache:
            color = (_yaml(root, intr_name) or {}).get("color") or {}
            if not all(isinstance(color.get(k), (int, float)) for k in ("fx", "fy", "ppx", "ppy")):
                raise ItemError(intr_name, "expected color: {fx, fy, ppx, ppy}")
            cache[intr_name] = color
        color = cache[intr_name]
        for window in clip_windows([True] * num_frames, int(clip["length"]), int(clip["stride"])):
            files = []
            for t in window:
                files += [f"{subject}/{sequence}/{serial}/color_{t:06d}.jpg", f"{subject}/{sequence}/{serial}/labels_{t:06d}.npz"]
            items.append(Item(
                key=f"dexycb-{split}-{subject}-{sequence}-{serial}-{window[0]:06d}",
                files=tuple(files),
                data={"split": split, "setup": opts["setup"], "subject": subject, "sequence": sequence, "serial": serial,
                      "side": side, "betas": betas, "focal": [color["fx"], color["fy"]], "princpt": [color["ppx"], color["ppy"]],
                      "frames": window, "ycb_ids": meta.get("ycb_ids"), "ycb_grasp_ind": meta.get("ycb_grasp_ind"),
                      "mano_model_sha256": models.get(side)},
            ))
    return items


def _model_digests(opts: dict[str, Any]) -> dict[str, str]:
    """Digests of the MANO files, so items change when the model does."""
    digests = {}
    for side in ("right", "left"):
        model = _mano_file(opts, side)
        if model is not None:
            if not Path(model).is_file():
                raise ItemError(model, "MANO model file not found (options.mano_model_dir / mano_files)")
            digests[side] = sha256_file(model)
    return digests


def enumerate_items(root: Path, split: str, opts: dict[str, Any]) -> list[Item]:
    try:
        in_setup(opts["setup"], split, 0, 0, 0)  # an unknown setup or split fails here, once
    except ValueError as err:
        raise ItemError("options.setup", str(err)) from None
    models = _model_digests(opts)
    root = Path(root)
    subjects = sorted(p.name for p in root.iterdir() if p.is_dir() and SUBJECT.match(p.name)) if root.is_dir() else []
    if not subjects:
        raise ItemError(".", "no DexYCB subject folders (YYYYMMDD-subject-NN) under the raw root")
    serials = _serials(root, opts)
    items: list[Item] = []
    cache: dict[str, Any] = {}
    for s_index, subject in enumerate(subjects):
        sequences = sorted(p.name for p in (root / subject).iterdir() if p.is_dir())
        for q_index, sequence in enumerate(sequences):
            try:
                items += _sequence_items(root, split, opts, subject, s_index, sequence, q_index, serials, cache, models)
            except ItemError as err:  # this sequence is quarantined; the others go on
                items.append(Item(key=f"dexycb-{split}-{subject}-{sequence}", files=(),
                                  data={"problem": [err.file, err.reason]}))
    return sorted(items, key=lambda item: item.key)


def _labels(root: Path, name: str) -> dict[str, np.ndarray]:
    path = Path(root) / name
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k], dtype=np.float64) for k in ("pose_m", "joint_3d")}
    except FileNotFoundError:
        raise ItemError(name, "file not found") from None
    except (OSError, ValueError, KeyError) as err:
        raise ItemError(name, f"labels do not load: {type(err).__name__}: {err}") from None


def _mano_file(opts: dict[str, Any], side: str) -> str | None:
    if not opts["mano_model_dir"]:
        return None
    return str(Path(opts["mano_model_dir"]) / opts["mano_files"][side])


def load_records(root: Path, item: Item, opts: dict[str, Any]) -> list[dict[str, Any]]:
    data = item.data
    if "problem" in data:
        raise ItemError(*data["problem"])
    side = data["side"]
    model = _mano_file(opts, side)
    try:
        components = pose_components(model, side) if model else None
    except (FileNotFoundError, ValueError) as err:
        raise ItemError(model or "", str(err)) from None
    frames = []
    for t, image, labels_name in zip(data["frames"], item.files[0::2], item.files[1::2]):
        labels = _labels(root, labels_name)
        joint_3d, pose_m = labels["joint_3d"].reshape(-1, 3), labels["pose_m"].reshape(-1)
        if joint_3d.shape != (21, 3) or pose_m.shape != (51,):
            raise ItemError(labels_name, f"joint_3d is {list(joint_3d.shape)} and pose_m {list(pose_m.shape)}, expected [21, 3] and [51]")
        if np.all(joint_3d == -1):
            return []  # the hand is not in this frame: no clip here
        frames.append(HandFrame(
            image=image, joint_cam=joint_3d * 1000.0, joint_valid=np.ones(21),
            focal=np.asarray(data["focal"], dtype=np.float64), princpt=np.asarray(data["princpt"], dtype=np.float64),
            timestamp=t / float(opts["fps"]),
            mano_pose=pca_to_axis_angle(pose_m[:48], components) if components is not None else pose_m[:48],
            mano_shape=np.asarray(data["betas"], dtype=np.float64), has_mano=1.0, annotation=labels_name,
        ))
    extra = {
        "mano_pose_format": AXIS_ANGLE if components is not None else PCA,
        "setup": data["setup"], "subject": data["subject"], "sequence": data["sequence"], "serial": data["serial"],
        "frames": [{"frame_idx": t} for t in data["frames"]], "ycb_ids": data["ycb_ids"], "ycb_grasp_ind": data["ycb_grasp_ind"],
    }
    return [hand_clip_sample(
        root, item.key, frames, handedness=side, data_source="dexycb", source_split=data["split"],
        crop=opts["crop"], margin=float(opts["image_margin"]), extra=extra,
    )]

"""A synthetic DexYCB tree in the real layout:
`{YYYYMMDD-subject-NN}/{YYYYMMDD_HHMMSS}/{serial}/{color,aligned_depth_to_color,labels}_%06d.*`,
per sequence `meta.yml` and `pose.npz`, and `calibration/{intrinsics,extrinsics_*,mano_*}`.

Three subjects with five sequences each (so the s0 setup has train, val and test), two cameras.
The hand's MANO pose is written as DexYCB does (3 global + 45 PCA coefficients of the stand-in
model, manopth's flat_hand_mean=False, + 3 translation, metres, in each camera's frame); its joints
are what the stand-in MANO gives for those parameters, and the colour image shows the hand drawn
at the projected joints. The first frame of every third sequence has no hand (all -1 / zeros).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import yaml

from synthetic.copies import copy_rng
from synthetic.figures import background
from synthetic.hands import ManoHands, draw_hand, look_at, model_path, project

SUBJECTS = ("20200709-subject-01", "20200813-subject-02", "20200820-subject-03")
SEQUENCES = 5
FRAMES = 5
SERIALS = ("836212060125", "839512060362")
SIZE = (640, 480)
EXTRINSICS = "20200702"
_POSITIONS = {SERIALS[0]: (0.0, -0.35, -0.45), SERIALS[1]: (0.30, -0.30, -0.40)}  # around the hand, metres


def _intrinsics(rng: np.random.Generator) -> dict[str, dict[str, float]]:
    fx = 615.0 + float(rng.normal(0, 2))
    color = {"fx": round(fx, 4), "fy": round(fx + float(rng.normal(0, 0.5)), 4),
             "ppx": round(320 + float(rng.normal(0, 2)), 4), "ppy": round(240 + float(rng.normal(0, 2)), 4)}
    return {"color": color, "depth": dict(color)}


def _extrinsics() -> tuple[dict[str, np.ndarray], np.ndarray]:
    """World-to-camera [3, 4] of each camera, with the first camera's frame as the world (as in
    DexYCB), and the point all cameras look at, in that frame."""
    poses = {}
    for serial in SERIALS:
        position = np.array(_POSITIONS[serial])
        rotation = look_at(position, np.zeros(3))
        poses[serial] = np.vstack([np.hstack([rotation, (-rotation @ position)[:, None]]), [0, 0, 0, 1]])
    to_master = np.linalg.inv(poses[SERIALS[0]])
    return {serial: (pose @ to_master)[:3] for serial, pose in poses.items()}, poses[SERIALS[0]][:3, 3]


def _camera_params(pose_world: np.ndarray, trans_world: np.ndarray, root: np.ndarray, extrinsic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same hand's global rotation and translation in one camera's frame (MANO rotates about
    the root joint `root`, so the translation moves with it)."""
    rotation, offset = extrinsic[:, :3], extrinsic[:, 3]
    global_rot, _ = cv2.Rodrigues(pose_world[:3])
    global_cam = cv2.Rodrigues(rotation @ global_rot)[0].reshape(3)
    trans_cam = rotation @ (root + trans_world) + offset - root
    return global_cam, trans_cam


def _write_yaml(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _sequence_name(date: str, q: int, copy: int) -> str:
    """YYYYMMDD_HHMMSS; copy r > 0 of --scale films later the same day, so its sequences sort after
    the earlier copies' and keep their index modulo SEQUENCES (the setups' splits) in every copy."""
    if copy == 0:
        return f"{date}_{14 + q:02d}{17 + 3 * q:02d}{54 - q:02d}"
    minutes = 19 * 60 + SEQUENCES * (copy - 1) + q
    return f"{date}_{minutes // 60:02d}{minutes % 60:02d}{54 - q:02d}"


def generate(out: Path, seed: int, body_models: dict[str, Path], scale: int = 1) -> int:
    """Write the tree, `scale` times the sequences of each subject (synthetic.copies); returns the
    number of colour images."""
    out = Path(out)
    rng = np.random.default_rng([seed, 51])
    copies = [rng] + [copy_rng([seed, 51], copy) for copy in range(1, scale)]  # copy 0 shares the plain stream
    hands = ManoHands(body_models)
    components = {}
    for side in ("right", "left"):
        with open(model_path(body_models, side), "rb") as handle:
            components[side] = np.asarray(pickle.load(handle, encoding="latin1")["hands_components"], dtype=np.float64)
    intrinsics = {serial: _intrinsics(rng) for serial in SERIALS}
    for serial, intr in intrinsics.items():
        _write_yaml(out / "calibration" / "intrinsics" / f"{serial}_640x480.yml", intr)
    extrinsics, target = _extrinsics()
    _write_yaml(out / "calibration" / f"extrinsics_{EXTRINSICS}" / "extrinsics.yml",
                {"extrinsics": {s: [round(float(v), 8) for v in e.reshape(-1)] for s, e in extrinsics.items()}, "master": SERIALS[0]})
    count = 0
    views = []
    for s_index, subject in enumerate(SUBJECTS):
        side = "left" if s_index == 1 else "right"
        date = subject.split("-")[0]
        calib = f"{date}_100000_subject-{s_index + 1:02d}_{side}"
        betas = np.round(rng.normal(0, 0.4, 10), 6)
        _write_yaml(out / "calibration" / f"mano_{calib}" / "mano.yml", {"betas": [float(b) for b in betas]})
        root_joint = _root(hands, side, betas)
        for copy, q in ((copy, q) for copy in range(scale) for q in range(SEQUENCES)):
            stream = copies[copy]
            sequence = _sequence_name(date, q, copy)
            folder = out / subject / sequence
            ycb_ids = [int(v) for v in stream.choice(np.arange(1, 22), size=3, replace=False)]
            _write_yaml(folder / "meta.yml", {
                "serials": list(SERIALS), "num_frames": FRAMES, "extrinsics": EXTRINSICS, "ycb_ids": ycb_ids,
                "ycb_grasp_ind": 0, "mano_sides": [side], "mano_calib": [calib],
            })
            pose_m_world = np.zeros((FRAMES, 1, 51))
            for t in range(FRAMES):
                if t == 0 and q % 3 == 0:
                    continue  # the hand has not entered the view yet
                coeffs = np.concatenate([[0.8 * np.sin(0.7 * t + q)], stream.normal(0, 0.3, 44) * np.linspace(1, 0.1, 44)])
                global_world = np.array([0.2 * np.sin(t + q), 0.3, 0.1 * q]) + stream.normal(0, 0.02, 3)
                trans_world = target - root_joint + np.array([-0.01 * t, 0.02 * q - 0.13, 0.0])
                pose_m_world[t, 0] = np.concatenate([global_world, coeffs, trans_world])
            np.savez_compressed(folder / "pose.npz", pose_y=np.zeros((FRAMES, len(ycb_ids), 7), np.float32),
                                pose_m=pose_m_world.astype(np.float32))
            for serial in SERIALS:
                intr = intrinsics[serial]["color"]
                views.append((folder / serial, side, betas, root_joint, extrinsics[serial],
                              np.array([intr["fx"], intr["fy"]]), np.array([intr["ppx"], intr["ppy"]]),
                              components[side], ycb_ids, pose_m_world, copy))
    batches = {}
    for view, (folder, side, betas, root, extrinsic, focal, princpt, comps, ycb_ids, poses, _) in enumerate(views):
        for t, pose_world in enumerate(poses[:, 0]):
            if pose_world.any():
                global_cam, trans_cam = _camera_params(pose_world, pose_world[48:], root, extrinsic)
                full = np.concatenate([global_cam, pose_world[3:48] @ comps])
                batches.setdefault(side, []).append((view, t, full, betas, trans_cam, pose_world[3:48]))
    hands_at = {}
    for side, rows in batches.items():  # one MANO call per side: many small ones cost far more
        joints = hands.joints(side, np.stack([r[2] for r in rows]), np.stack([r[3] for r in rows]), np.stack([r[4] for r in rows]))
        for (view, t, full, _, trans_cam, coeffs), joint_3d in zip(rows, joints):
            hands_at[view, t] = (np.concatenate([full[:3], coeffs, trans_cam]), joint_3d)
    for view, (folder, side, betas, root, extrinsic, focal, princpt, comps, ycb_ids, poses, copy) in enumerate(views):
        for t in range(len(poses)):
            hand = None
            if (view, t) in hands_at:
                pose_m, joint_3d = hands_at[view, t]
                hand = (pose_m, joint_3d, project(joint_3d, focal, princpt))
            count += _frame(folder, t, hand, ycb_ids, copies[copy])
    return count


def _root(hands: ManoHands, side: str, betas: np.ndarray) -> np.ndarray:
    """The root joint of the shaped hand at rest, in metres."""
    return hands.joints(side, np.zeros(48), betas, np.zeros(3))[0]


def _frame(folder: Path, t: int, hand: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
           ycb_ids: list[int], rng: np.random.Generator) -> int:
    """One camera's frame: colour, depth and labels; `hand` is (pose_m [51], joints [21, 3] m, pixels)."""
    width, height = SIZE
    folder.mkdir(parents=True, exist_ok=True)
    image = background(height, width, rng)
    seg = np.zeros((height, width), np.uint8)
    centre = (int(width * 0.3 + 40 * t), int(height * 0.7))
    cv2.circle(image, centre, 45, (40, 160, 200), -1, cv2.LINE_AA)
    cv2.circle(seg, centre, 45, ycb_ids[0], -1)
    if hand is not None:
        pose_m, joint_3d, joint_2d = hand
        draw_hand(image, joint_2d)
        for a, b in zip(joint_2d[:-1], joint_2d[1:]):
            cv2.line(seg, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), 255, 9)
    else:
        pose_m, joint_3d, joint_2d = np.zeros(51), -np.ones((21, 3)), -np.ones((21, 2))
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    (folder / f"color_{t:06d}.jpg").write_bytes(jpeg.tobytes())
    depth = np.full((height, width), 700, np.uint16)
    depth[seg > 0] = 550
    (folder / f"aligned_depth_to_color_{t:06d}.png").write_bytes(cv2.imencode(".png", depth, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes())
    np.savez_compressed(
        folder / f"labels_{t:06d}.npz", seg=seg, pose_y=np.zeros((len(ycb_ids), 3, 4), np.float32),
        pose_m=pose_m[None].astype(np.float32), joint_3d=joint_3d[None].astype(np.float32),
        joint_2d=joint_2d[None].astype(np.float32),
    )
    return 1

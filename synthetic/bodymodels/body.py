"""The SMPL-X stand-in: a T-posed figure about 1.7 m tall (tubes for legs, feet, arms, torso, head,
eyes, nose and jaw, with the MANO stand-in as its hands; 10475 vertices, 20908 faces), a crude face
with 51 landmarks, and the SMPL-X file written as a byte-identical .npz."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from synthetic.bodymodels.files import NOTE, quantized
from synthetic.bodymodels.mano import hand_mesh, hand_pose_space, mirror_pose
from synthetic.bodymodels.mesh import Mesh, Node, shape_space, spread, vertex_id
from tasks.atomic import write_bytes

SMPLX_FILE = "SMPLX_NEUTRAL_STANDIN.npz"
SMPLX_NUM_VERTS = 10475
SMPLX_NUM_FACES = 20908
SMPLX_NUM_JOINTS = 55
SMPLX_NUM_BETAS = 300
SMPLX_NUM_EXPRESSION = 100
SMPLX_NUM_LANDMARKS = 51
# 22 body joints, jaw, left eye, right eye, 15 left-hand and 15 right-hand joints (smplx.joint_names)
SMPLX_PARENTS = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19,
    15, 15, 15,
    20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
    21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53,
)
# the vertices smplx's VertexJointSelector reads (smplx.vertex_ids.vertex_ids['smplx'])
SMPLX_NAMED_VERTEX_IDS = {
    "nose": 9120, "reye": 9929, "leye": 9448, "rear": 616, "lear": 6,
    "rthumb": 8079, "rindex": 7669, "rmiddle": 7794, "rring": 7905, "rpinky": 8022,
    "lthumb": 5361, "lindex": 4933, "lmiddle": 5058, "lring": 5169, "lpinky": 5286,
    "LBigToe": 5770, "LSmallToe": 5780, "LHeel": 8846,
    "RBigToe": 8463, "RSmallToe": 8474, "RHeel": 8635,
}

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps keep the .npz byte-identical

_BODY = {
    0: (0.0, -0.35, 0.0), 3: (0.0, -0.23, 0.0), 6: (0.0, -0.10, 0.0), 9: (0.0, 0.02, 0.0),
    12: (0.0, 0.16, -0.01), 15: (0.0, 0.23, 0.02), 22: (0.0, 0.205, 0.03),
    23: (0.033, 0.31, 0.10), 24: (-0.033, 0.31, 0.10),
}
# per side (sign of x, joint ids): hip, knee, ankle, foot, collar, shoulder, elbow, wrist
_SIDES = {"l": (1.0, (1, 4, 7, 10, 13, 16, 18, 20)), "r": (-1.0, (2, 5, 8, 11, 14, 17, 19, 21))}
# right hand frame -> body frame for the body's right hand: fingers along -x, palm down, thumb forward
_HAND_TO_BODY = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])
_MIRROR_X = np.diag([-1.0, 1.0, 1.0])


def _limb_joints(sx: float) -> dict[str, tuple[float, float, float]]:
    return {
        "hip": (sx * 0.09, -0.44, 0.0), "knee": (sx * 0.10, -0.85, 0.0), "ankle": (sx * 0.11, -1.18, -0.03),
        "foot": (sx * 0.12, -1.235, 0.09), "collar": (sx * 0.07, 0.09, -0.01),
        "shoulder": (sx * 0.18, 0.10, -0.01), "elbow": (sx * 0.44, 0.10, -0.02),
        "wrist": (sx * 0.69, 0.10, -0.01),
    }


def _body_mesh() -> tuple[Mesh, dict[str, np.ndarray]]:
    """The SMPL-X stand-in mesh (10475 vertices, 20908 faces) and the rings landmarks/bridges need."""
    mesh = Mesh(SMPLX_NUM_JOINTS)
    rings: dict[str, np.ndarray] = {}
    junctions: list[tuple[str, str]] = []
    hand, hand_palm_ring = hand_mesh()

    for side, (sx, (hip, knee, ankle, foot, collar, shoulder, elbow, wrist)) in _SIDES.items():
        j = _limb_joints(sx)
        leg = [
            Node(j["hip"], 0.075, 0.08, hip, cluster=True),
            Node((sx * 0.095, -0.62, 0.01), 0.07, 0.07, hip),
            Node(j["knee"], 0.05, 0.05, knee, cluster=True),
            Node((sx * 0.105, -0.98, -0.01), 0.055, 0.05, knee),
            Node(j["ankle"], 0.035, 0.035, ankle, cluster=True),
        ]
        t = mesh.tube(spread(leg, 27), 32, (0, 0, 1))
        rings[f"{side}_hip"], rings[f"{side}_ankle"] = t.rings[0], t.rings[-1]
        feet = [
            Node((sx * 0.11, -1.225, -0.05), 0.03, 0.035, ankle),
            Node((sx * 0.112, -1.22, 0.0), 0.035, 0.04, ankle),
            Node(j["foot"], 0.022, 0.045, foot, cluster=True),
            Node((sx * 0.125, -1.24, 0.165), joint=foot),
        ]
        t = mesh.tube(spread(feet, 13, {2: (0.35, 0.7, 0.9)}, tip=True), 24, (0, 1, 0), start="center",
                      start_point=(sx * 0.11, -1.235, -0.085), tip=True)
        rings[f"{side}_heel"] = t.rings[0]
        toes = t.rings[-2]
        medial = np.concatenate(mesh.pos)[toes][:, 0] * sx
        up = "L" if side == "l" else "R"
        mesh.named[f"{up}Heel"] = vertex_id(t.start)
        mesh.named[f"{up}BigToe"] = int(toes[np.argmin(medial)])
        mesh.named[f"{up}SmallToe"] = int(toes[np.argmax(medial)])
        junctions += [(f"{side}_heel", f"{side}_ankle"), (f"{side}_hip", "torso_pelvis")]
        arm = [
            Node(j["collar"], 0.045, 0.05, collar, cluster=True),
            Node(j["shoulder"], 0.05, 0.055, shoulder, cluster=True),
            Node((sx * 0.31, 0.10, -0.015), 0.042, 0.045, shoulder),
            Node(j["elbow"], 0.035, 0.037, elbow, cluster=True),
            Node((sx * 0.54, 0.10, -0.02), 0.037, 0.042, elbow),
            Node(j["wrist"], 0.018, 0.028, wrist, cluster=True),
        ]
        t = mesh.tube(spread(arm, 31), 28, (0, 1, 0))
        rings[f"{side}_collar"], rings[f"{side}_wrist"] = t.rings[0], t.rings[-1]
        # the hand: the MANO stand-in, turned palm-down with fingers out along the arm
        rot = _HAND_TO_BODY if side == "r" else _MIRROR_X @ _HAND_TO_BODY
        base = 25 if side == "l" else 40
        off = mesh.merge(hand, rot, np.asarray(j["wrist"]), [wrist] + list(range(base, base + 15)))
        for name in ("thumb", "index", "middle", "ring", "pinky"):
            mesh.named[side + name] = hand.named[name] + off
        rings[f"{side}_hand"] = hand_palm_ring + off
        junctions += [(f"{side}_hand", f"{side}_wrist"), (f"{side}_collar", "torso_chest")]

    for side, eye, sx in (("l", 23, 1.0), ("r", 24, -1.0)):
        c = np.asarray(_BODY[eye])
        r = 0.013
        phis = np.deg2rad([150.0, 120.0, 90.0, 60.0, 30.0])
        nodes = [Node(tuple(c + [0, 0, r * np.cos(p)]), r * np.sin(p), r * np.sin(p), eye,
                       cluster=bool(np.isclose(p, np.pi / 2))) for p in phis]
        nodes.append(Node(tuple(c + [0, 0, r]), joint=eye))
        t = mesh.tube(nodes, 12, (0, 1, 0), start="center", start_point=tuple(c - [0, 0, r]), tip=True,
                      round_from=0.0)
        mesh.named[side + "eye"] = vertex_id(t.tip)
        rings[f"{side}_eye"] = t.rings[2]
        junctions.append((f"{side}_eye", "head_face"))

    nose = [Node((0.0, 0.295, 0.10), 0.012, 0.01, 15, mids=(0.5,)),
            Node((0.0, 0.28, 0.125), 0.011, 0.012, 15, mids=(0.5,)),
            Node((0.0, 0.268, 0.145), joint=15)]
    t = mesh.tube(nose, 10, (0, 1, 0), tip=True)
    mesh.named["nose"] = vertex_id(t.tip)
    rings["nose"] = t.rings[0]
    jaw = [Node(_BODY[22], 0.03, 0.05, 22, cluster=True, mids=(0.5,)),
           Node((0.0, 0.19, 0.075), 0.025, 0.04, 22, mids=(0.5,)),
           Node((0.0, 0.175, 0.10), 0.02, 0.025, 22, mids=(0.5, 0.85)),
           Node((0.0, 0.17, 0.115), joint=22)]
    t = mesh.tube(jaw, 16, (0, 1, 0), tip=True, first_weights={15: 0.5, 22: 0.5})
    rings["jaw"] = t.rings[0]
    junctions += [("nose", "head_face"), ("jaw", "head_neck")]

    # torso and head take whatever vertices are left: pick their ring counts and sizes to fit exactly
    left_over = SMPLX_NUM_VERTS - mesh.size - 2  # the torso's crotch vertex and the head's crown
    torso_rings, torso_n, head_rings, head_n = _fit_counts(left_over)
    torso = [
        Node((0.0, -0.47, 0.0), 0.09, 0.13, 0),
        Node(_BODY[0], 0.11, 0.17, 0, cluster=True),
        Node(_BODY[3], 0.10, 0.15, 3, cluster=True),
        Node(_BODY[6], 0.10, 0.15, 6, cluster=True),
        Node(_BODY[9], 0.11, 0.17, 9, cluster=True),
        Node((0.0, 0.10, 0.0), 0.10, 0.18, 9),
        Node((0.0, 0.14, -0.01), 0.07, 0.12, 9),
        Node(_BODY[12], 0.05, 0.06, 12, cluster=True),
    ]
    t = mesh.tube(spread(torso, torso_rings), torso_n, (0, 0, 1), start="center", start_point=(0.0, -0.50, 0.0))
    rings["torso_pelvis"] = t.rings[t.node_ring[1]]
    rings["torso_chest"] = t.rings[t.node_ring[5]]
    rings["torso_neck"] = t.rings[-1]
    head = [
        Node((0.0, 0.12, -0.01), 0.05, 0.05, 12),
        Node(_BODY[15], 0.085, 0.07, 15, cluster=True),
        Node((0.0, 0.30, 0.02), 0.10, 0.078, 15),
        Node((0.0, 0.36, 0.015), 0.095, 0.075, 15),
        Node((0.0, 0.45, 0.0), joint=15),
    ]
    t = mesh.tube(spread(head, head_rings, {3: (0.3, 0.55, 0.75, 0.9)}, tip=True), head_n, (0, 0, 1),
                  tip=True, round_from=0.0)
    rings["head_neck"] = t.rings[0]
    rings["head_face"] = t.rings[t.node_ring[2]]
    ears = t.rings[t.node_ring[2]]
    ear_x = np.concatenate(mesh.pos)[ears][:, 0]
    mesh.named["lear"], mesh.named["rear"] = int(ears[np.argmax(ear_x)]), int(ears[np.argmin(ear_x)])
    junctions.append(("torso_neck", "head_neck"))
    assert mesh.size == SMPLX_NUM_VERTS

    deficit = SMPLX_NUM_FACES - mesh.num_faces()
    assert deficit >= 0
    per = [deficit // len(junctions) + (1 if i < deficit % len(junctions) else 0) for i in range(len(junctions))]
    for (a, b), count in zip(junctions, per):
        mesh.bridge(rings[a], rings[b], count)
    assert mesh.num_faces() == SMPLX_NUM_FACES
    return mesh, rings


def _fit_counts(vertices: int) -> tuple[int, int, int, int]:
    """Torso and head ring counts and sizes with rings*size summing exactly to `vertices`."""
    best = None
    for torso_rings in range(30, 46):
        for torso_n in range(64, 129):
            rest = vertices - torso_rings * torso_n
            for head_rings in range(12, 20):
                if rest % head_rings == 0 and 36 <= rest // head_rings <= 64:
                    head_n = rest // head_rings
                    cost = abs(torso_n - 96) + abs(head_n - 48) + abs(torso_rings - 38) + abs(head_rings - 15)
                    if best is None or cost < best[0]:
                        best = (cost, torso_rings, torso_n, head_rings, head_n)
    assert best is not None, "no torso/head ring layout fits the vertex count"
    return best[1:]


def _landmarks(v: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """51 face landmarks (iBUG-68 order without the 17 contour points) on the front of the head.

    Each is where a ray along -z through a designed (x, y) first meets the
    mesh, so smplx's barycentric landmarks land on the surface.
    """
    pts: list[tuple[float, float]] = []
    for side in (-1.0, 1.0):  # brows: the subject's right (image left) first
        xs = np.linspace(0.058, 0.014, 5) if side < 0 else np.linspace(0.014, 0.058, 5)
        pts += [(side * x, 0.335 + 0.006 * np.sin(np.pi * (x - 0.014) / 0.044)) for x in xs]
    pts += [(0.0, y) for y in np.linspace(0.315, 0.282, 4)]  # nose bridge
    pts += [(x, 0.266) for x in np.linspace(-0.014, 0.014, 5)]  # nostrils
    for cx in (-0.033, 0.033):  # eyes, six points each clockwise from the outer corner
        a = np.deg2rad([180.0, 120.0, 60.0, 0.0, -60.0, -120.0])
        pts += [(cx + 0.016 * np.cos(t), 0.31 + 0.006 * np.sin(t)) for t in a]
    a = np.deg2rad(180.0 - np.arange(12) * 30.0)
    pts += [(0.026 * np.cos(t), 0.225 + 0.011 * np.sin(t)) for t in a]  # outer lip
    a = np.deg2rad(180.0 - np.arange(8) * 45.0)
    pts += [(0.017 * np.cos(t), 0.225 + 0.004 * np.sin(t)) for t in a]  # inner lip
    assert len(pts) == SMPLX_NUM_LANDMARKS

    tri = v[faces]  # [F, 3, 3]
    a, b, c = tri[:, 0, :2], tri[:, 1, :2], tri[:, 2, :2]
    det = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    ok = np.abs(det) > 1e-12
    idx = np.zeros(len(pts), dtype=np.int64)
    bary = np.zeros((len(pts), 3))
    for i, (x, y) in enumerate(pts):
        with np.errstate(divide="ignore", invalid="ignore"):
            l1 = ((b[:, 1] - c[:, 1]) * (x - c[:, 0]) + (c[:, 0] - b[:, 0]) * (y - c[:, 1])) / det
            l2 = ((c[:, 1] - a[:, 1]) * (x - c[:, 0]) + (a[:, 0] - c[:, 0]) * (y - c[:, 1])) / det
            l3 = 1.0 - l1 - l2
            hit = ok & (l1 >= 0) & (l2 >= 0) & (l3 >= 0)
            z = np.where(hit, l1 * tri[:, 0, 2] + l2 * tri[:, 1, 2] + l3 * tri[:, 2, 2], -np.inf)
        f = int(np.argmax(z))
        assert np.isfinite(z[f]), "landmark ray missed the head"
        idx[i], bary[i] = f, (l1[f], l2[f], l3[f])
    return idx, bary


def _smplx_arrays(seed: int) -> dict[str, np.ndarray]:
    """The SMPL-X stand-in arrays, keyed as in the real SMPLX_*.npz."""
    mesh, _ = _body_mesh()
    arr = mesh.arrays(SMPLX_NAMED_VERTEX_IDS)
    v, faces, weights = arr["v"], arr["faces"], arr["weights"]
    rng = np.random.default_rng([seed, 10475])
    shapedirs = np.zeros((SMPLX_NUM_VERTS, 3, SMPLX_NUM_BETAS + SMPLX_NUM_EXPRESSION), dtype=np.float32)
    shapedirs[:, :, :16] = shape_space(v, arr["centre"], weights, 16, 0.03, rng, 0.02, 0.08)
    # expressions: 0 opens the jaw, 1-9 are small seeded deformations of the head around the head joint
    face = weights[:, [15, 22, 23, 24]].sum(1)
    local = v - np.asarray(_BODY[15])
    shapedirs[:, :, SMPLX_NUM_BETAS] = weights[:, [22]] * np.array([0.0, -0.012, 0.004])
    for k in range(1, 10):
        shapedirs[:, :, SMPLX_NUM_BETAS + k] = (local @ (0.03 * rng.normal(size=(3, 3))).T) * face[:, None]
    lmk_idx, lmk_bary = _landmarks(v, faces)

    mean, comps = hand_pose_space(seed)
    to_body = np.kron(np.eye(15), _HAND_TO_BODY)  # per-joint axis-angle into the body frame
    mean_r, comps_r = to_body @ mean, comps @ to_body.T
    kintree = np.stack([np.asarray(SMPLX_PARENTS), np.arange(SMPLX_NUM_JOINTS)]).astype(np.int64)
    return quantized({
        "f": faces.astype(np.int32),
        "v_template": v,
        "shapedirs": shapedirs,
        "posedirs": np.zeros((SMPLX_NUM_VERTS, 3, 9 * (SMPLX_NUM_JOINTS - 1)), dtype=np.float32),
        "J_regressor": arr["regressor"].astype(np.float32),
        "kintree_table": kintree,
        "weights": weights.astype(np.float32),
        "hands_componentsl": mirror_pose(comps_r),
        "hands_componentsr": comps_r,
        "hands_meanl": mirror_pose(mean_r),
        "hands_meanr": mean_r,
        "lmk_faces_idx": lmk_idx,
        "lmk_bary_coords": lmk_bary,
        "standin": np.bool_(True),
        "note": np.str_(NOTE),
    })


def write_smplx(out_dir: Path, seed: int = 0) -> Path:
    """Writes SMPLX_NEUTRAL_STANDIN.npz, a T-posed ~1.7 m figure with the real SMPL-X keys and shapes.

    Load it by file path: ``smplx.SMPLX(model_path=str(path), ext='npz')`` or
    ``smplx.create(str(path), ext='npz')``. Same axes as the real template:
    +y up, facing +z, left side at +x, pelvis near the origin. Large arrays are
    float32 and mostly zero, written with deflate and fixed zip timestamps so
    the file is a few MB and byte-identical for one seed.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SMPLX_FILE
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for name, value in _smplx_arrays(seed).items():
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(value), allow_pickle=False)
    write_bytes(path, buf.getvalue())
    return path


"""Synthetic stand-in MANO and SMPL-X body-model files with the real shapes and keys.

The licensed MANO and SMPL-X files may not be shipped, yet the pipeline, its
tests and the renderers need something the ``smplx`` package can load.  These
writers build plausible stand-ins from scratch: a right hand (and its mirror)
and a T-posed figure about 1.7 m tall, made of closed tubes of vertex rings
around the bones.  Every array has the real shape, dtype family and key, so
code written against the stand-ins runs unchanged on the real files.

What is plausible and what is not:

* geometry: joints sit where a hand or body has them (metres, like the real
  models); ``J_regressor`` rows average one vertex ring centred on each joint,
  so the regressed joints are exactly the designed ones; the vertex ids that
  ``smplx`` picks for fingertips, toes, heels, nose, eyes and ears sit there.
* skinning: each vertex follows the joint of the bone it surrounds; the ring
  at a joint is split half and half with the parent joint so bends stay smooth.
* shape space: component 0 scales the model about its origin (``betas[0] > 0``
  makes it bigger); a few more are small seeded deformations; the rest, and
  all pose correctives (``posedirs``), are zero.
* the face is crude: 51 landmarks on the front of the head (no contour
  landmarks, so ``use_face_contour=True`` is not supported).
* the seed only picks the small shape/expression deformations and the pose
  components after the first; the template, joints and skinning never change.

The left MANO file reproduces a known defect of the real ``MANO_LEFT.pkl``: its
``shapedirs`` x-component is not mirrored, and callers must flip it after
loading (``fix_left_shapedirs``), as InterHand2.6M and others do.
"""

from __future__ import annotations

from pathlib import Path

from synthetic.bodymodels.body import (SMPLX_FILE, SMPLX_NAMED_VERTEX_IDS, SMPLX_NUM_BETAS, SMPLX_NUM_EXPRESSION,
                                       SMPLX_NUM_FACES, SMPLX_NUM_JOINTS, SMPLX_NUM_LANDMARKS, SMPLX_NUM_VERTS,
                                       SMPLX_PARENTS, write_smplx)
from synthetic.bodymodels.files import NOTE
from synthetic.bodymodels.mano import (MANO_LEFT_FILE, MANO_NUM_BETAS, MANO_NUM_FACES, MANO_NUM_JOINTS,
                                       MANO_NUM_VERTS, MANO_PARENTS, MANO_RIGHT_FILE, MANO_TIP_VERTEX_IDS,
                                       fix_left_shapedirs, mano_joints_with_tips, write_mano)
from tasks.atomic import write_text

__all__ = [
    "MANO_LEFT_FILE", "MANO_NUM_BETAS", "MANO_NUM_FACES", "MANO_NUM_JOINTS", "MANO_NUM_VERTS", "MANO_PARENTS",
    "MANO_RIGHT_FILE", "MANO_TIP_VERTEX_IDS", "NOTE", "README_FILE", "SMPLX_FILE", "SMPLX_NAMED_VERTEX_IDS",
    "SMPLX_NUM_BETAS", "SMPLX_NUM_EXPRESSION", "SMPLX_NUM_FACES", "SMPLX_NUM_JOINTS", "SMPLX_NUM_LANDMARKS",
    "SMPLX_NUM_VERTS", "SMPLX_PARENTS", "fix_left_shapedirs", "mano_joints_with_tips", "write_all", "write_mano",
    "write_smplx",
]

README_FILE = "README.txt"


def write_all(out_dir: Path, seed: int = 0) -> dict[str, Path]:
    """Writes both MANO stand-ins, the SMPL-X stand-in and a README saying what they are.

    Returns {'mano_right', 'mano_left', 'smplx', 'readme'} -> path. The README
    travels with the files so nobody mistakes them for the licensed models.
    """
    out_dir = Path(out_dir)
    paths = {f"mano_{side}": path for side, path in write_mano(out_dir, seed).items()}
    paths["smplx"] = write_smplx(out_dir, seed)
    readme = out_dir / README_FILE
    write_text(readme, _README.format(seed=seed))
    paths["readme"] = readme
    return paths


_README = f"""SYNTHETIC STAND-IN BODY MODELS (seed {{seed}})

{MANO_RIGHT_FILE}, {MANO_LEFT_FILE} and {SMPLX_FILE} were written by
posefoundry's synthetic/bodymodels. They have the real MANO and SMPL-X array
shapes and keys so the smplx package loads them, but their geometry, shape
space and pose space are made up. They are NOT the licensed MANO or SMPL-X
models and must not be used as them: results computed with them say nothing
about real hands or bodies. Get the real files from https://mano.is.tue.mpg.de
and https://smpl-x.is.tue.mpg.de under their licences.

Like the real MANO_LEFT.pkl, the left-hand file needs its shape space fixed
after loading: model.shapedirs[:, 0, :] *= -1 (synthetic.bodymodels.fix_left_shapedirs).
"""

"""`tables preview`: a grid of a clip's frames with every track's skeleton, box and id drawn,
over the raw video's frames when they are at hand, else on a grey canvas of the video's size."""

from __future__ import annotations

from typing import Any, Sequence

import cv2
import numpy as np

from inspection.drawing import PALETTE, Picture, Tile, blank, draw_body, draw_box, draw_label, layout, with_caption
from inspection.tableread import ClipFrames

TILE_WIDTH = 320


def pick_frames(frames: ClipFrames, num_frames: int, count: int) -> list[int]:
    """`count` frames spread evenly over those with skeletons (over the whole clip if none have)."""
    have = np.unique(frames.frame_idx)
    pool = have if len(have) else np.arange(max(num_frames, 1))
    if len(pool) <= count:
        return [int(i) for i in pool]
    picks = np.linspace(0, len(pool) - 1, count).round().astype(int)
    return [int(pool[i]) for i in picks]


def draw_frame(canvas: np.ndarray, frames: ClipFrames, frame: int, thickness: int, min_score: float) -> int:
    """Every track at this frame, drawn in place; returns how many were drawn."""
    rows = frames.at(frame)
    for row in rows:
        track = int(frames.track_id[row])
        color = PALETTE[track % len(PALETTE)]
        box = frames.bbox[row]
        draw_box(canvas, box, color, max(1, thickness // 2))
        side = float(np.sqrt(max(box[2] - box[0], 0) * max(box[3] - box[1], 0)))
        radius = min(max(thickness, side / 40), thickness + 2)  # small people keep visible limbs
        draw_body(canvas, frames.keypoints[row], frames.keypoint_scores[row] >= min_score, color, thickness, radius=radius)
        draw_label(canvas, f"#{track}", (box[0], box[1] - 4 * thickness), color)
    return len(rows)


def clip_preview(
    clip: dict[str, Any],
    frames: ClipFrames,
    video_frames: dict[int, np.ndarray] | None = None,
    chosen: Sequence[int] | None = None,
    count: int = 8,
    columns: int = 4,
    tile_width: int = TILE_WIDTH,
    min_score: float = 0.3,
) -> Picture:
    """The grid; `video_frames` maps frame index -> RGB frame of the raw video, as
    tasks.video.decode.read_frames gives them (any that lack one are drawn on grey)."""
    width, height = int(clip["width"]) or 640, int(clip["height"]) or 480
    chosen = list(chosen) if chosen is not None else pick_frames(frames, int(clip["num_frames"]), count)
    scale = tile_width / width
    thickness = max(1, int(round(2.0 / scale)))
    tiles, labels, notes = [], [], []
    for frame in chosen:
        source = (video_frames or {}).get(frame)
        if source is not None and source.shape[:2] != (height, width):
            notes.append(f"frame {frame}: video is {source.shape[1]}x{source.shape[0]}, the clip row says {width}x{height}; drawn on grey")
            source = None
        canvas = cv2.cvtColor(source, cv2.COLOR_RGB2BGR) if source is not None else blank(height, width)
        drawn = draw_frame(canvas, frames, frame, thickness, min_score)
        small = cv2.resize(canvas, (tile_width, int(round(height * scale))), interpolation=cv2.INTER_AREA)
        tiles.append(with_caption(small, [f"frame {frame}: {drawn} person(s)"]))
        labels.append(f"frame {frame}")
    sheet, corners = layout(tiles, columns)
    placed = [Tile(label, x, y, scale, width, height) for label, (x, y) in zip(labels, corners)]
    backdrop = "raw video" if video_frames else "grey canvas"
    caption = [f"{clip['clip_id']}  {clip['label_name']} ({clip['split']}), {clip['num_frames']} frames, {backdrop}"]
    return Picture(with_caption(sheet, caption), placed, notes)

"""Reader options as typed models: the one place their names, types, limits and defaults live.

A spec's `options:` block and `--set` overrides are validated against the reader's `Options`
model (unknown keys are errors, with a "did you mean"), `posefoundry readers` prints them from the
same definitions, and the build receives the validated values as a plain dict. Fields marked
`RUNTIME` change how fast a build runs, never what it writes, and fields marked `LOCATION` say
where input files are (their contents are fingerprinted, as the raw root's are): both stay out of
the settings hash that names outputs.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

RUNTIME = {"hashed": False}
LOCATION = {"hashed": False}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ShardLimits(Strict):
    max_samples: int = Field(1000, gt=0, description="items (one sample each) per shard at most; a shard is one worker task")
    max_bytes: int = Field(256 * 1024 * 1024, gt=0, description="raw bytes of a shard's items at most, known before any is read (one larger item gets a shard of its own)")


class ImageOptions(Strict):
    """What every image (shard) reader shares."""

    shards: ShardLimits = ShardLimits()


class ClipOptions(Strict):
    length: int = Field(1, gt=0, description="T, consecutive annotated frames of one hand per sample")
    stride: int = Field(1, gt=0, description="frames between the starts of two clips")


class CropOptions(Strict):
    scale: float = Field(1.5, gt=0, description="crop side as a multiple of the hand box's longer side")
    size: int = Field(256, gt=0, description="crop side in pixels")
    quality: int = Field(95, ge=1, le=100, description="JPEG quality of the crops")


class HandClipOptions(ImageOptions):
    clip: ClipOptions = ClipOptions()
    crop: CropOptions = CropOptions()
    image_margin: float = Field(0.0, ge=0, description="pixels a joint may lie outside the image before it counts as out of it")
    mano_model_dir: Optional[str] = Field(None, description="folder of the MANO model files (.pkl)", json_schema_extra=LOCATION)


class DecodeOptions(Strict):
    stride: int = Field(1, gt=0, description="every stride-th frame is decoded")
    max_side: int = Field(640, gt=0, description="frames are shrunk so their longer side is at most this")
    batch: int = Field(32, gt=0, description="frames decoded and posed at a time", json_schema_extra=RUNTIME)
    truncation_tolerance: float = Field(0.01, ge=0, le=1, description="share of declared frames that may be missing before a file counts as truncated")


class PoseOptions(Strict):
    backend: Literal["annotations", "mediapipe", "rtmo", "onnx", "rtmpose"] = Field("annotations", description="who finds the persons")
    config: Optional[str] = Field(None, description="MMPose config (rtmo, rtmpose)")
    checkpoint: Optional[str] = Field(None, description="MMPose checkpoint (rtmo, rtmpose)")
    model: Optional[str] = Field(None, description="ONNX model (onnx)")
    annotations: str = Field("{stem}.pose.json", description="per-video pose file beside the video (annotations)")
    device: str = Field("auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", description="auto | cpu | cuda[:N]")
    batch_size: int = Field(8, gt=0, description="frames per inference batch", json_schema_extra=RUNTIME)
    score_threshold: float = Field(0.3, ge=0, le=1, description="persons scoring less are dropped")
    max_people: int = Field(4, gt=0, description="persons per frame at most")
    boxes: Literal["annotations", "mediapipe", "rtmo", "onnx"] = Field("annotations", description="box source of rtmpose")
    box_config: Optional[str] = Field(None, description="config of the box backend")
    box_checkpoint: Optional[str] = Field(None, description="checkpoint of the box backend")
    box_model: Optional[str] = Field(None, description="ONNX model of the box backend")


class TrackingOptions(Strict):
    high_score: float = Field(0.5, ge=0, le=1)
    low_score: float = Field(0.1, ge=0, le=1)
    match_iou: float = Field(0.3, ge=0, le=1)
    max_age: int = Field(30, ge=0, description="frames a lost track is kept")
    min_hits: int = Field(3, ge=1, description="frames before a track counts")


class ExportOptions(Strict):
    mmaction: bool = Field(True, description="also write MMAction2's skeleton pickle")


class WindowOptions(Strict):
    length: int = Field(100, gt=0, description="frames per window")
    stride: int = Field(50, gt=0, description="frames between window starts")
    min_overlap: float = Field(0.3, ge=0, le=1, description="shared share of the shorter of window and event that makes a window positive")
    action: str = Field("falldown", description="the event name that makes a window positive")
    positive: str = Field("Falldown", description="label name of positive windows")
    negative: str = Field("Normal", description="label name of the others")


class VideoOptions(Strict):
    """What every video (skeleton table) reader shares."""

    videos: str = Field("**/*.mp4", description="glob of the videos under the raw root")
    decode: DecodeOptions = DecodeOptions()
    pose: PoseOptions = PoseOptions()
    tracking: TrackingOptions = TrackingOptions()
    max_persons: int = Field(2, gt=0, description="tracks kept per clip")
    export: ExportOptions = ExportOptions()
    windows: Optional[WindowOptions] = Field(None, description="cut clips into labelled windows; null: a whole clip is one sample")
    labels: dict[str, int] = Field({}, description="label name -> class id; filled from the spec's top-level labels")


def hashed_options(model: BaseModel) -> dict[str, Any]:
    """The options without the RUNTIME and LOCATION fields: what the outputs depend on."""
    values: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        if (info.json_schema_extra or {}).get("hashed") is False:
            continue
        value = getattr(model, name)
        values[name] = hashed_options(value) if isinstance(value, BaseModel) else value
    return values


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The options block a field holds (`WindowOptions` of `Optional[WindowOptions]`), if any."""
    return next((a for a in (annotation, *get_args(annotation)) if isinstance(a, type) and issubclass(a, BaseModel)), None)


def describe(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(dotted name, type, default, description) rows for docs and `posefoundry readers`."""
    rows = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        nested = nested_model(annotation)
        if nested is not None and info.default is not None:
            rows += describe(nested, f"{prefix}{name}.")
            continue
        rows.append((f"{prefix}{name}", _type_name(annotation), repr(info.default), info.description or ""))
    return rows


def _type_name(annotation: Any) -> str:
    """`a | b` for a Literal, `X or null` for an Optional, else the type's own name."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " | ".join(map(str, args))
    if type(None) in args:
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + " or null"
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    return getattr(annotation, "__name__", str(annotation))

"""AI Hub fall-down CCTV (mp4 + same-stem XML) -> skeleton tables cut into labelled windows."""

from tasks.readers import options

OUTPUT = "skeletons"
OPTIONS = {
    **options.VIDEO,
    "windows": {"length": 100, "stride": 50, "min_overlap": 0.3},
}

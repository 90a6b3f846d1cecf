"""RWF-2000 fight videos -> skeleton tables (one sample per clip)."""

from tasks.readers import options

OUTPUT = "skeletons"
OPTIONS = {**options.VIDEO}

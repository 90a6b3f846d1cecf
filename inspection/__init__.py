"""Looking at what a build produced: shards and skeleton tables, read back and summarised.

The CLI's `posefoundry shards` and `posefoundry tables` commands are thin layers over these modules;
each function here returns plain data (with `to_dict()` for `--json`) and never prints.
"""

"""One version for every contract: bump the major part when a reader of the old layout would break."""

SCHEMA_VERSION = "1.0"

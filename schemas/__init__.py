"""The contracts of everything PoseFoundry writes; writers validate against them, readers rely on them.

This package imports nothing of the project, so every layer can depend on it.
"""

from schemas.errors import Problem, SchemaError
from schemas.version import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Problem", "SchemaError"]

"""Typed, checked params blocks: one dataclass per training stage, filled from params.yaml.

Every key is required and no other is accepted, so a typo in params.yaml or in `dvc exp run -S`
fails before training starts, naming the key (with a "did you mean").
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any, TypeVar, get_type_hints

P = TypeVar("P", bound="CheckedParams")


class ParamsError(ValueError):
    """A params block that cannot be trained with; the message names the key."""


class CheckedParams:
    """Mixin for frozen dataclasses: `from_dict` checks keys and types, then the subclass's `check`."""

    @classmethod
    def from_dict(cls: type[P], data: Any, source: str = "params.yaml") -> P:
        """Checked against the fields: missing, unknown and mistyped keys all raise with their name."""
        if not isinstance(data, dict):
            raise ParamsError(f"{source}: expected a mapping of {cls.__name__} settings, got {data!r}")
        hints = get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        problems = []
        for key in data:
            if key not in hints:
                close = difflib.get_close_matches(key, names, n=1)
                problems.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        problems += [f"missing key {name!r}" for name in names if name not in data]
        values = {}
        for name in names:
            if name in data:
                value, problem = _coerce(data[name], hints[name])
                if problem:
                    problems.append(f"key {name!r} is {data[name]!r}: {problem}")
                values[name] = value
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))
        params = cls(**values)
        params.check(source)
        return params

    def check(self, source: str) -> None:
        """Cross-field rules; raise ParamsError naming the key."""


def _coerce(value: Any, kind: Any) -> tuple[Any, str | None]:
    """YAML's value as the field's type (ints are fine as floats); a reason when it cannot be."""
    origin = getattr(kind, "__origin__", None)
    if kind is bool:
        return value, None if isinstance(value, bool) else "expected true or false"
    if kind is int:
        return value, None if isinstance(value, int) and not isinstance(value, bool) else "expected an integer"
    if kind is float:
        if isinstance(value, str):  # PyYAML (YAML 1.1) reads 1e-3 as a string; YAML 1.2 and DVC's -S read a number
            try:
                return float(value), None
            except ValueError:
                return value, "expected a number"
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value) if ok else value), None if ok else "expected a number"
    if kind is str:
        return value, None if isinstance(value, str) else "expected a string"
    if origin is list:
        (item,) = kind.__args__
        if not isinstance(value, list):
            return value, "expected a list"
        coerced = [_coerce(v, item) for v in value]
        bad = [p for _, p in coerced if p]
        return [v for v, _ in coerced], bad[0] if bad else None
    if origin is dict:
        _, item = kind.__args__
        if not isinstance(value, dict):
            return value, "expected a mapping"
        coerced = {k: _coerce(v, item) for k, v in value.items()}
        bad = [p for _, p in coerced.values() if p]
        return {k: v for k, (v, _) in coerced.items()}, bad[0] if bad else None
    if kind is type(None) or kind is None:
        return value, None if value is None else "expected null"
    args = getattr(kind, "__args__", ())
    if args and type(None) in args:  # `X | None`
        if value is None:
            return None, None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(value, inner)
    raise TypeError(f"no rule for {kind}")

"""Dataset specs (`datasets/<name>.yaml`): loading, overrides, and checks with clear messages."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tasks.readers import READERS, reader_module
from tasks.readers.options import hashed_options, nested_model

OUTPUTS = ("shards", "skeletons")
TOP_LEVEL = {
    "name": str, "description": str, "reader": str, "output": str, "root": (str, type(None)),
    "splits": list, "required_splits": list, "labels": dict, "failure_threshold": (int, float), "options": dict,
}
REQUIRED = ("name", "reader", "output")


class SpecError(ValueError):
    """A dataset spec that cannot be used; the message names the file and the key."""


@dataclass
class DatasetSpec:
    name: str
    reader: str
    output: str
    source: Path
    root: Path | None = None
    splits: list[str] = field(default_factory=list)
    required_splits: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    failure_threshold: float = 0.05
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def settings_hash(self) -> str:
        """What the outputs depend on besides the raw bytes: the reader and its options (not the
        ones that only change speed or say where input files are)."""
        options = hashed_options(reader_module(self.reader).Options(**self.options))
        payload = json.dumps({"reader": self.reader, "options": options, "labels": self.labels}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def require_root(self) -> Path:
        if self.root is None:
            raise SpecError(f"{self.source}: no raw root; set 'root' in the spec or pass --root")
        if not self.root.is_dir():
            raise SpecError(f"{self.source}: raw root {self.root} does not exist or is not a folder")
        return self.root


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(sorted(known))}"


def _where(loc: tuple) -> str:
    return ".".join(["options", *(str(part) for part in loc)])


def _siblings(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model found at `loc`'s parent (for "did you mean")."""
    for part in loc[:-1]:
        info = model.model_fields.get(str(part))
        if info is None:
            return []
        nested = nested_model(info.annotation)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _check_options(source: Path, given: dict, model: type[BaseModel]) -> dict:
    """The reader's Options model decides; the first error names the file and the dotted key."""
    try:
        return model(**given).model_dump()
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(p for p in first["loc"] if not isinstance(p, int)) or ("?",)
        where = _where(tuple(first["loc"]))
        if first["type"] == "extra_forbidden":
            raise SpecError(f"{source}: unknown option {where!r}{_suggest(str(loc[-1]), _siblings(model, loc))}") from None
        raise SpecError(f"{source}: option {where!r} is {first.get('input')!r}: {first['msg']}") from None


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """`a.b=value` pairs into a nested mapping; values are read as YAML (numbers, lists, null)."""
    nested: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise SpecError(f"--set {pair!r}: expected KEY=VALUE, e.g. pose.backend=mediapipe")
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(raw)
    return nested


def _deep_update(base: dict, update: dict) -> dict:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


# The project's own specs: what a spec name means wherever a command or a worker runs.
PROJECT_DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def find_spec(name: str, datasets_dir: Path | None = None) -> Path:
    """A spec file by name (in `datasets_dir`, default the project's datasets/) or by path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    folder = (datasets_dir or PROJECT_DATASETS).resolve()
    candidate = folder / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in folder.glob("*.yaml"))
    holds = f"it holds {', '.join(known)}" if known else ("it holds no .yaml spec" if folder.is_dir() else "it does not exist")
    raise SpecError(f"no dataset spec {name!r} in {folder} ({holds}){_suggest(name, known) if known else ''}")


def load_spec(
    name: str,
    datasets_dir: Path | None = None,
    root: str | Path | None = None,
    overrides: list[str] | None = None,
) -> DatasetSpec:
    """Read, override and check one spec; every failure names the file and the key."""
    source = find_spec(name, datasets_dir)
    try:
        data = yaml.safe_load(source.read_text())
    except yaml.YAMLError as err:
        raise SpecError(f"{source}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping at the top level")
    extra = parse_overrides(overrides or [])
    options_update = {k: v for k, v in extra.items() if k not in TOP_LEVEL}
    _deep_update(data, {k: v for k, v in extra.items() if k in TOP_LEVEL and k != "options"})
    data["options"] = _deep_update(data.get("options") or {}, {**extra.get("options", {}), **options_update})
    for key in data:
        if key not in TOP_LEVEL:
            raise SpecError(f"{source}: unknown key {key!r}{_suggest(key, list(TOP_LEVEL))}")
        if not isinstance(data[key], TOP_LEVEL[key]):
            raise SpecError(f"{source}: key {key!r} is {data[key]!r}, of the wrong type")
    for key in REQUIRED:
        if key not in data:
            raise SpecError(f"{source}: missing required key {key!r}")
    try:
        module = reader_module(data["reader"])
    except KeyError as err:
        raise SpecError(f"{source}: unknown reader {err.args[0]!r}{_suggest(data['reader'], list(READERS))}") from None
    if data["output"] not in OUTPUTS or data["output"] != module.OUTPUT:
        raise SpecError(f"{source}: reader {data['reader']!r} writes {module.OUTPUT!r}, but output is {data['output']!r}")
    labels = dict(data.get("labels", {}))
    options = dict(data["options"])
    if "labels" in module.Options.model_fields:
        if "labels" in options:
            raise SpecError(f"{source}: put labels at the top level ('labels:'), not under options")
        options["labels"] = labels
    checked = _check_options(source, options, module.Options)
    splits = list(data.get("splits", []))
    unknown = [s for s in data.get("required_splits", []) if s not in splits]
    if unknown:
        raise SpecError(f"{source}: required_splits names {unknown}, which 'splits' ({splits}) lacks")
    windows = checked.get("windows")
    missing = [n for n in (windows["positive"], windows["negative"]) if n not in labels] if windows else []
    if missing:
        raise SpecError(f"{source}: options.windows names label(s) {missing} that 'labels' lacks ({sorted(labels)})")
    if "labels" in checked and not labels:
        raise SpecError(f"{source}: 'labels' must map label names to class ids, e.g. {{NonFight: 0, Fight: 1}}")
    threshold = data.get("failure_threshold", 0.05)
    if not 0 <= threshold <= 1:
        raise SpecError(f"{source}: failure_threshold is {threshold}, expected a share between 0 and 1")
    chosen_root = root if root is not None else data.get("root")
    return DatasetSpec(
        name=data["name"],
        reader=data["reader"],
        output=data["output"],
        source=source,
        root=Path(chosen_root) if chosen_root is not None else None,
        splits=splits,
        required_splits=list(data.get("required_splits", [])),
        labels=labels,
        failure_threshold=float(threshold),
        options=checked,
        description=data.get("description", ""),
    )

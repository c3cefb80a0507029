"""Loading a run config: YAML read safely (a repeated key is an error), dotted `--set` overrides
checked against the schema, and validation errors that name the dotted key, what was expected and
the closest valid key. Validation happens here and only here."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from newsnlp.config.schema import RunConfig, packaged_default
from newsnlp.errors import ConfigError


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml's safe loader, refusing a key repeated in one mapping (YAML lets the last one win
    silently: a label's description could be replaced by a later copy-paste)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(f"{self.name}: key '{key}' appears twice in one mapping (lines {seen[key]} and {line}); keep one")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping safely; errors give the file, line and column."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path} (pass a YAML file, e.g. configs/default.yaml)")
    try:
        loader = UniqueKeyLoader(path.read_text(encoding="utf-8"))
        loader.name = str(path)  # named in its errors
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the config as UTF-8") from exc
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply to be a config") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a YAML mapping of keys, got {type(data).__name__}")
    return data


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """Parse repeated `--set a.b=value` strings; values are YAML scalars (falling back to strings)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set tasks.topics.threshold=0.3")
        if any(c.isspace() for c in key):
            raise ConfigError(f"--set {pair!r}: a key is dotted names without spaces, e.g. --set tasks.topics.threshold=0.3")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        except RecursionError:
            raise ConfigError(f"--set {key}: the value is nested too deeply") from None
        overrides[key] = value
    return overrides


@lru_cache(maxsize=1)
def _schema_defaults() -> dict[str, Any]:
    return RunConfig().model_dump(mode="json")


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set each dotted key in a copy of `data`; a key the schema lacks fails with the closest one."""
    result = copy.deepcopy(data)
    for dotted, value in overrides.items():
        _check_key_exists(dotted)
        node: dict[str, Any] = result
        default: Any = _schema_defaults()
        parts = dotted.split(".")
        for i, part in enumerate(parts[:-1]):
            default = default.get(part) if isinstance(default, dict) else None
            child = node.get(part)
            if not isinstance(child, dict):
                # a free-form mapping the file leaves out starts from its default, so `--set
                # tasks.topics.labels.tech...` adds a fifth label to the four (it replaced them);
                # a section needs no seed: its model fills the keys not set
                free_form = isinstance(_schema_node(parts[: i + 1]), _MapOf) and isinstance(default, dict)
                child = copy.deepcopy(default) if free_form else {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return result


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | Sequence[str] | None = None) -> RunConfig:
    """Load a run config (the packaged default when `path` is None) and apply dotted overrides."""
    data = read_yaml(path) if path is not None else dict(packaged_default())
    source = str(path) if path else "default config"
    if path is not None:
        data = beside(data, Path(path))
    if not overrides:
        return validate_config(data, source=source)
    if not isinstance(overrides, Mapping):
        overrides = parse_overrides(list(overrides))
    validate_config(data, source=source)  # the file's own mistakes are the file's
    try:
        return RunConfig.model_validate(apply_overrides(data, overrides))
    except ValidationError as exc:  # the file was valid: an override broke it
        raise ConfigError(format_validation_error(exc, "--set")) from exc


def beside(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """A relative cascade.config in a config file names a file beside it (turbo.yaml's fast.yaml),
    wherever the command runs; one that exists from the working directory is kept as given."""
    cascade = data.get("cascade")
    if not isinstance(cascade, dict):
        return data
    tier = cascade.get("config")
    if isinstance(tier, str) and tier and not Path(tier).expanduser().is_absolute() and not Path(tier).is_file():
        near = path.parent / tier
        if near.is_file():
            return {**data, "cascade": {**cascade, "config": str(near)}}
    return data


def validate_config(data: Mapping[str, Any], source: str = "config") -> RunConfig:
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from exc


def config_without_secrets(config: RunConfig) -> dict[str, Any]:
    """The config as JSON-ready data with every secret left out (not even masked): what run
    descriptions and worker processes get; a secret travels on its own, if at all."""
    data = config.model_dump(mode="json")
    data["serve"]["token"] = None
    return data


def config_to_yaml(config: RunConfig) -> str:
    data = config.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# ---------------------------------------------------------------- error messages


def format_validation_error(exc: ValidationError, source: str) -> str:
    errors = exc.errors()
    first = errors[0]
    loc = [str(p) for p in first["loc"]]
    key = ".".join(loc)
    if first["type"] == "extra_forbidden":
        message = f"{source}: unknown key '{key}'{_closest_hint(loc)}"
    else:
        got = first.get("input")
        got_text = "" if isinstance(got, (dict, list)) or got is None else f", got {got!r}"
        message = f"{source}: {key}: expected {_expected(first)}{got_text}"
    more = len(errors) - 1
    return message + (f" (and {more} more error{'s' * (more > 1)})" if more else "")


def _expected(error: Mapping[str, Any]) -> str:
    """pydantic's message, reworded to follow 'expected': 'Input should be a valid integer' -> 'a valid integer'."""
    msg = str(error["msg"])
    for prefix in ("Input should be ", "Value error, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg[0].lower() + msg[1:]


def _closest_hint(loc: list[str]) -> str:
    siblings = _keys_of(_schema_node(loc[:-1]))
    close = difflib.get_close_matches(loc[-1], siblings, n=1, cutoff=0.5)
    prefix = ".".join(loc[:-1] + [""]) if len(loc) > 1 else ""
    if close:
        return f"; did you mean '{prefix}{close[0]}'?"
    return f"; valid keys here: {', '.join(sorted(siblings))}" if siblings else ""


class _MapOf:
    """A free-form mapping in the schema (label name -> LabelSpec): any key, then a section."""

    def __init__(self, value_model: type[BaseModel]):
        self.value_model = value_model


_Node = Any  # a section model, a _MapOf, or None for a leaf value


def _child(node: _Node, part: str) -> tuple[bool, _Node]:
    """Step one dotted part down the schema: (exists, child node)."""
    if isinstance(node, _MapOf):
        return True, node.value_model
    if node is None or part not in node.model_fields:
        return False, None
    annotation = node.model_fields[part].annotation
    args: tuple[Any, ...] = getattr(annotation, "__args__", ())
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if getattr(annotation, "__origin__", None) is not dict and len(models) == 1:  # Optional[Section]
        annotation = models[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True, annotation
    value = args[1] if getattr(annotation, "__origin__", None) is dict and len(args) == 2 else None
    if isinstance(value, type) and issubclass(value, BaseModel):
        return True, _MapOf(value)
    return True, None


def _schema_node(loc: Sequence[str]) -> _Node:
    node: _Node = RunConfig
    for part in loc:
        _, node = _child(node, part)
    return node


def _keys_of(node: _Node) -> list[str]:
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def _check_key_exists(dotted: str) -> None:
    parts = dotted.split(".")
    node: _Node = RunConfig
    for i, part in enumerate(parts):
        if node is None:
            raise ConfigError(f"--set {dotted}: '{'.'.join(parts[:i])}' takes a single value, not sub-keys")
        exists, node = _child(node, part)
        if not exists:
            raise ConfigError(f"--set {dotted}: unknown key '{dotted}'{_closest_hint(parts[: i + 1])}")

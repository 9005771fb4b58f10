"""Settings: defaults < config file (mgkg.toml or $MGKG_CONFIG) < MGKG_* environment < command-line flags."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from graph.core.errors import MgkgError
from graph.core.namespaces import DEFAULT_BASE, normalize_base


class ConfigError(MgkgError, ValueError):
    """A setting has a bad value or the config file cannot be read; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Every mgkg setting with its default; see the README's Settings table."""

    base: str = DEFAULT_BASE
    data_dir: Path = Path("data")
    store: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 30.0
    max_rows: int = 10000
    max_body: int = 10 * 1024 * 1024
    max_depth: int = 64
    allowlist: tuple[str, ...] = ()
    update_token: str = ""
    writers_file: str = ""
    writers: str = ""
    open_writes: bool = False
    threads: int = 8
    workers: int = 1
    connection_limit: int = 1000
    idle_timeout: float = 30.0
    stop_grace: float = 60.0
    in_memory: bool = False
    isolation: bool = True
    query_memory: int = 2048
    union_default_graph: bool = True
    seeds: str = ""
    answer_cache: int = 64 * 1024 * 1024
    answer_cache_entries: int = 1000

    @property
    def store_spec(self) -> str:
        """The store to use: `store` if set, else the embedded Oxigraph store under data_dir."""
        return self.store or f"oxigraph:{self.data_dir / 'store'}"


_FIELDS = {f.name: f for f in fields(Settings)}
NOT_NEGATIVE = ("answer_cache", "answer_cache_entries")
"""Integer settings where 0 turns a feature off and a negative value is an error."""


def _convert(name: str, value: Any, origin: str) -> Any:
    kind = _FIELDS[name].type
    try:
        if kind == "Path":
            return Path(str(value))
        if kind == "bool":
            return _boolean(value)
        if kind == "int":
            if name == "max_depth" and int(value) < 1:
                raise ValueError("must be at least 1")
            if name in NOT_NEGATIVE and int(value) < 0:
                raise ValueError("must be 0 (off) or more")
            return int(value)
        if kind == "float":
            number = float(value)
            if number <= 0:
                raise ValueError("must be positive")
            return number
        if kind == "tuple[str, ...]":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        if name == "base":
            text = str(value)
            if not text.startswith(("http://", "https://")):
                raise ValueError("must be an http(s) IRI")
            return normalize_base(text)
        return str(value)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{origin}: bad value {value!r} for {name}: {error}") from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _from_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    section = data.get("mgkg", data)
    unknown = sorted(set(section) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
    return {k: _convert(k, v, str(path)) for k, v in section.items()}


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from defaults, the config file, MGKG_* variables and `overrides` (None values ignored)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config = env.get("MGKG_CONFIG")
    if config:
        values.update(_from_file(Path(config)))
    elif Path("mgkg.toml").is_file():
        values.update(_from_file(Path("mgkg.toml")))
    for name in _FIELDS:
        variable = f"MGKG_{name.upper()}"
        if env.get(variable):
            values[name] = _convert(name, env[variable], variable)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _convert(name, value, f"--{name.replace('_', '-')}")
    return dataclasses.replace(Settings(), **values)


def user_agent() -> str:
    """The User-Agent of every request: mgkg/<version> (https://w3id.org/mgkg)."""
    try:
        number = version("mgkg")
    except PackageNotFoundError:
        number = "0"
    return f"mgkg/{number} (https://w3id.org/mgkg)"

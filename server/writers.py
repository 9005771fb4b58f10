"""Named writers: who may write, each with a token of their own; the server keeps only hashes of the tokens.

Writers come from three places, merged (a name in a later one wins):

1. the writers file — `writers_file`, default `<data_dir>/writers.toml` — a `[writers]` table of
   `name = "hash"`, which `mgkg writers add NAME` fills (it prints the new token once and stores its hash);
2. the setting `writers` (`MGKG_WRITERS`): `name=hash` entries separated by commas or spaces, for a deployment
   that passes its configuration in the environment;
3. the single `update_token` of earlier versions (`MGKG_UPDATE_TOKEN`), which keeps working as writer `editor`.

A hash is `sha256:<hex>` — what `mgkg writers add` stores for the 256-bit random tokens it makes (a hash of a
random token cannot be guessed back) — or `scrypt:<n>:<r>:<p>:<salt hex>:<hex>` (hashlib.scrypt), for a token a
person chose (`mgkg writers add NAME --token-stdin --scrypt`). A token is compared with every hash in constant
time; a scrypt match is remembered for the life of the process (a scrypt check costs ~50 ms and 16 MB).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tomllib
from functools import lru_cache
from pathlib import Path

from graph.changes.model import WRITER_PATTERN as WRITER_NAME
from graph.core.config import ConfigError, Settings
from graph.core.files import write_atomic

EDITOR = "editor"
"""The writer name of the `update_token` setting."""

SCRYPT = (2**14, 8, 1)
"""scrypt's n, r, p for the tokens `mgkg writers add --scrypt` hashes (16 MB, ~50 ms)."""

_HASH = re.compile(r"sha256:[0-9a-f]{64}|scrypt:\d+:\d+:\d+:[0-9a-f]{2,128}:[0-9a-f]{2,128}")
"""What a stored hash looks like."""


class WritersError(ConfigError):
    """The writers file or setting cannot be read or changed; the message is one line naming it."""


def hash_token(token: str, method: str = "sha256") -> str:
    """The stored form of `token`: `sha256:<hex>`, or `scrypt:n:r:p:salt:hex` with a new random salt."""
    if method == "sha256":
        return "sha256:" + hashlib.sha256(token.encode()).hexdigest()
    n, r, p = SCRYPT
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(token.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt:{n}:{r}:{p}:{salt.hex()}:{digest.hex()}"


def matches(token: str, stored: str) -> bool:
    """Whether `token` hashes to `stored` (constant-time comparison)."""
    if stored.startswith("sha256:"):
        return hmac.compare_digest(hash_token(token), stored)
    return _scrypt_matches(token, stored)


@lru_cache(maxsize=64)
def _scrypt_matches(token: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, expected = stored.split(":")
        digest = hashlib.scrypt(
            token.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=256 * 1024 * 1024, dklen=32
        )
    except ValueError:  # a malformed entry or parameters scrypt refuses match no token
        return False
    return hmac.compare_digest(digest.hex(), expected)


def writers_path(settings: Settings) -> Path:
    """The writers file: the `writers_file` setting, else `<data_dir>/writers.toml`."""
    return Path(settings.writers_file) if settings.writers_file else settings.data_dir / "writers.toml"


def _checked(name: str, stored: str, origin: str) -> tuple[str, str]:
    if not WRITER_NAME.fullmatch(name):
        raise WritersError(f"{origin}: {name!r} is not a writer name (a-z, 0-9, _ and -, at most 64 characters)")
    if not _HASH.fullmatch(stored):
        raise WritersError(f"{origin}: the hash of writer {name!r} is neither sha256:<hex> nor scrypt:n:r:p:salt:hex")
    return name, stored


def read_file(path: Path) -> dict[str, str]:
    """The writers of the writers file `path` (none when it does not exist); WritersError when it is malformed."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise WritersError(f"{path}: cannot read the writers file: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise WritersError(f"{path}: invalid TOML: {error}") from None
    table = data.get("writers", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise WritersError(f'{path}: expected a [writers] table of name = "hash"')
    return dict(_checked(name, stored, str(path)) for name, stored in table.items())


def read_setting(value: str) -> dict[str, str]:
    """The writers of the `writers` setting: `name=hash` entries separated by commas or spaces."""
    found: dict[str, str] = {}
    for entry in re.split(r"[,\s]+", value.strip()):
        if entry:
            name, equals, stored = entry.partition("=")
            if not equals:
                raise WritersError(f"MGKG_WRITERS: {entry[:40]!r} is not name=hash")
            found.update([_checked(name, stored, "MGKG_WRITERS")])
    return found


def configured(settings: Settings) -> dict[str, str]:
    """Every writer's name and stored hash (the file, then the setting); `update_token` is checked apart."""
    return {**read_file(writers_path(settings)), **read_setting(settings.writers)}


def writes_enabled(settings: Settings) -> bool:
    """Whether anyone may write: an update token, or at least one writer (WritersError if they are malformed)."""
    return bool(settings.update_token) or bool(configured(settings))


def authenticate(settings: Settings, token: str) -> str | None:
    """The name of the writer whose token `token` is, or None."""
    found = None
    for name, stored in configured(settings).items():
        if matches(token, stored) and found is None:
            found = name
    if found is None and settings.update_token and hmac.compare_digest(token.encode(), settings.update_token.encode()):
        found = EDITOR
    return found


def _write_file(path: Path, writers: dict[str, str]) -> None:
    lines = ["# mgkg writers: name = hash of the writer's token (`mgkg writers add NAME` makes one)", "[writers]"]
    lines += [f'{name} = "{stored}"' for name, stored in sorted(writers.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, ("\n".join(lines) + "\n").encode())
    os.chmod(path, 0o600)


def add_writer(path: Path, name: str, token: str | None = None, method: str = "sha256", replace: bool = False) -> str:
    """Add writer `name` to the writers file with `token` (a new random one when None); the token."""
    writers = read_file(path)
    _checked(name, "sha256:" + "0" * 64, str(path))
    if name in writers and not replace:
        raise WritersError(f"{path}: writer {name!r} exists already (--replace gives it a new token)")
    token = token if token is not None else secrets.token_urlsafe(32)
    if not token.strip() or token != token.strip() or any(c.isspace() for c in token):
        raise WritersError("a token may not be empty or contain spaces")
    writers[name] = hash_token(token, method)
    _write_file(path, writers)
    return token


def remove_writer(path: Path, name: str) -> None:
    """Remove writer `name` from the writers file (WritersError when there is no such writer)."""
    writers = read_file(path)
    if name not in writers:
        raise WritersError(f"{path}: no writer {name!r}")
    del writers[name]
    _write_file(path, writers)

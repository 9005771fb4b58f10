"""The journal: the record of truth for writes — data_dir/journal/changes.jsonl, append-only, fsync'd.

One JSON object a line, each carrying the sha256 of its own content (the canonical JSON of the other keys):
a changeset record (model.Changeset.to_record) or a drop record {"drop": ID, "reason": …, "time": …} that a
`mgkg build --drop-stale` writes for a changeset that no longer applies (lines are never deleted). Appenders
hold an exclusive flock on data_dir/journal/lock, write one line and fsync the file (and, when they create it,
its folder) before the write is acknowledged. A last line without its newline, not JSON or with a wrong sha256
is a write that was never acknowledged (the process died while writing it): readers ignore it and the next
appender truncates it. A damaged line anywhere else is a damaged journal: JournalError.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.changes.model import Changeset
from graph.core.errors import Kind, MgkgError

TAIL_CHUNK = 1 << 16
"""Bytes read at a time when looking back for the start of the last line."""


class JournalError(MgkgError, RuntimeError):
    """The journal cannot be read or written; the message names the file and why."""

    kind = Kind.UNAVAILABLE


def encode(record: dict[str, Any]) -> bytes:
    """The journal line of a record: its canonical JSON with the sha256 of that JSON added, and a newline."""
    body = _canonical(record)
    return _canonical({**record, "sha256": hashlib.sha256(body).hexdigest()}) + b"\n"


def decode(line: bytes) -> dict[str, Any] | None:
    """The record of a journal line (with or without its newline), or None when it is damaged."""
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    digest = record.pop("sha256", None)
    if not isinstance(digest, str) or hashlib.sha256(_canonical(record)).hexdigest() != digest:
        return None
    return record


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Journal:
    """The journal of the data folder `data_dir` (data_dir/journal/changes.jsonl)."""

    def __init__(self, data_dir: Path) -> None:
        """Use the journal under `data_dir` (nothing is read or created yet)."""
        self.folder = Path(data_dir) / "journal"
        self.path = self.folder / "changes.jsonl"
        self.lock_path = self.folder / "lock"
        self._held = 0

    # -- writing -------------------------------------------------------------------------------------------
    def append(self, changeset: Changeset) -> None:
        """Add the changeset, durably (fsync'd) before returning; JournalError on any I/O failure."""
        self._append(changeset.to_record())

    def drop(self, id: str, reason: str) -> None:
        """Record that changeset `id` is dropped (it no longer applies, for `reason`); its line stays."""
        now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        self._append({"drop": id, "reason": reason, "time": now})

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the appenders' exclusive lock for the duration of the block (re-entrant for this object)."""
        if self._held:
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
            return
        try:
            self._make_folder()
            handle = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise JournalError(f"journal {self.lock_path}: cannot open: {error.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._held = 1
            yield
        finally:
            self._held = 0
            os.close(handle)  # releases the lock

    def _append(self, record: dict[str, Any]) -> None:
        line = encode(record)
        with self.locked():
            created = not self.path.exists()
            try:
                handle = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            except OSError as error:
                raise JournalError(f"journal {self.path}: cannot open: {error.strerror}") from None
            end = None
            try:
                end = _valid_end(handle)
                if end != os.fstat(handle).st_size:
                    os.ftruncate(handle, end)
                written = os.write(handle, line)
                if written != len(line):
                    raise OSError(f"short write ({written} of {len(line)} bytes)")
                os.fsync(handle)
                if created:
                    _sync_folder(self.folder)
            except OSError as error:
                if end is not None:  # a line not known to be on disk was never acknowledged: take it back
                    with suppress(OSError):
                        os.ftruncate(handle, end)
                raise JournalError(f"journal {self.path}: cannot write: {error.strerror or error}") from None
            finally:
                os.close(handle)

    def _make_folder(self) -> None:
        missing = [f for f in (self.folder, *self.folder.parents) if not f.exists()]
        for folder in reversed(missing):  # each new folder made durable in its parent
            folder.mkdir(exist_ok=True)
            _sync_folder(folder.parent)

    # -- reading -------------------------------------------------------------------------------------------
    def records(self) -> Iterator[dict[str, Any]]:
        """Every complete record in order (a torn last line is ignored); JournalError for a damaged one."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as error:
            raise JournalError(f"journal {self.path}: cannot read: {error.strerror}") from None
        with handle:
            number, pending = 0, None
            for line in handle:
                if pending is not None:
                    yield self._checked(pending, number)
                number += 1
                pending = line
            if pending is not None and pending.endswith(b"\n") and decode(pending) is not None:
                yield self._checked(pending, number)

    def _checked(self, line: bytes, number: int) -> dict[str, Any]:
        record = decode(line)
        if record is None:
            raise JournalError(f"journal {self.path}:{number}: damaged entry (bad JSON or sha256)")
        return record

    def dropped(self) -> dict[str, str]:
        """Id → reason of every changeset a drop record marks dropped."""
        return {str(r["drop"]): str(r.get("reason", "")) for r in self.records() if "drop" in r}

    def entries(self) -> Iterator[Changeset]:
        """Every changeset in order, dropped ones included."""
        for record in self.records():
            if "drop" not in record:
                yield Changeset.from_record(record)

    def __iter__(self) -> Iterator[Changeset]:
        """Every changeset in order, except those marked dropped."""
        dropped = self.dropped()
        return (changeset for changeset in self.entries() if changeset.id not in dropped)

    def get(self, id: str) -> Changeset | None:
        """The changeset `id` (None when the journal has none of that id, or it was dropped)."""
        return next((changeset for changeset in self if changeset.id == id), None)

    def __len__(self) -> int:
        """How many changesets it holds (dropped ones not counted)."""
        return sum(1 for _ in self)


def _valid_end(handle: int) -> int:
    """The offset where the journal's complete, valid lines end (before a torn or damaged last line)."""
    size = os.fstat(handle).st_size
    if size == 0:
        return 0
    start = size
    while True:  # back a chunk at a time until the tail holds the whole last line
        start = max(0, start - TAIL_CHUNK)
        tail = os.pread(handle, size - start, start)
        body = tail[:-1] if tail.endswith(b"\n") else tail
        if b"\n" in body or start == 0:
            break
    cut = body.rfind(b"\n") + 1  # start of the last line within `tail`
    last = tail[cut:]
    if last.endswith(b"\n") and decode(last) is not None:
        return size
    return start + cut


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so a file created in it survives a crash."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)

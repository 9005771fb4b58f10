"""Store generations: `data/store` is a symlink to `data/generations/<N>/store`; a build writes generation N+1
and swaps the symlink atomically, so a process holding generation N open (a server, read-write or read-only)
keeps a whole store until it reopens — two processes never share one RocksDB folder being rebuilt.

The generations of a store at PATH live in PATH's folder under `generations/` (for a store named `store`) or
`<name>-generations/`. An old-layout store (a real folder at PATH) becomes generation 0 on the first swap,
unless a process holds it. `cleanup` removes what crashed writes and builds leave behind — scratch folders
(`.scratch-*`), half-built generations, `store.new`/`store.old`/`store.tmp` — and the generations older than
the current one and the previous one; never a folder a process holds (its RocksDB LOCK, seen in /proc/locks).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from graph.store.base import StoreError

SCRATCH_GRACE = 120.0
"""A scratch folder younger than this (seconds) may belong to a write in progress: cleanup leaves it."""


def generations_dir(target: Path) -> Path:
    """Where the generations of the store at `target` live."""
    return target.parent / ("generations" if target.name == "store" else f"{target.name}-generations")


def numbers(target: Path) -> list[int]:
    """The numbers of the generations on disk, ascending."""
    folder = generations_dir(target)
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit() and (p / "store").is_dir())


def current(target: Path) -> Path | None:
    """The store folder `target` names now (its symlink resolved), or None when there is none."""
    return target.resolve() if target.exists() else None


def create(target: Path) -> Path:
    """A new, empty generation folder after every existing one; the path of its store (not created yet)."""
    folder = generations_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name) for p in folder.iterdir() if p.name.isdigit()]
    number = max(taken, default=0) + 1
    generation = folder / f"{number:06d}"
    generation.mkdir()
    return generation / "store"


def discard(store: Path) -> None:
    """Remove a generation that was being built (its whole folder)."""
    shutil.rmtree(store.parent, ignore_errors=True)


def swap(target: Path, store: Path) -> None:
    """Make `target` name the generation `store`: a symlink replaced atomically (os.replace of a new one).

    An old-layout store (a real folder at `target`) is first moved into generation 0; StoreError when a
    process holds it (it would go on writing through the path)."""
    if target.is_dir() and not target.is_symlink():
        pid = holder(target)
        if pid is not None:
            raise StoreError(f"store {target} is open in process {pid}: stop it, then build again")
        old = generations_dir(target) / f"{0:06d}"
        if old.exists():
            shutil.rmtree(old)
        old.mkdir(parents=True)
        target.rename(old / "store")
    link = target.with_name(target.name + ".tmp")
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(store, target.parent))
    os.replace(link, target)
    _sync(target.parent)


def holder(store: Path) -> int | None:
    """The id of a process that holds the store folder's RocksDB lock (opened read-write), or None."""
    try:
        lock = os.stat(store / "LOCK")
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    device = f"{os.major(lock.st_dev):02x}:{os.minor(lock.st_dev):02x}:{lock.st_ino}"
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[5] == device and fields[4].isdigit() and int(fields[4]) != os.getpid():
            return int(fields[4])
    return None


def cleanup(target: Path) -> list[Path]:
    """Remove leftovers and generations older than the current and the previous one; the paths removed."""
    removed: list[Path] = []
    now = time.time()
    folders = [target.parent, *(p for p in generations_dir(target).glob("*") if p.is_dir())]
    for folder in folders:
        for scratch in folder.glob(".scratch-*"):
            if now - scratch.stat().st_mtime > SCRATCH_GRACE and not _held(scratch):
                removed.append(_remove(scratch))
    for suffix in (".new", ".old", ".tmp"):
        leftover = target.with_name(target.name + suffix)
        if leftover.is_symlink() or leftover.exists():
            removed.append(_remove(leftover))
    live = current(target)
    keep = {live.parent} if live is not None else set()
    generations = [generations_dir(target) / f"{n:06d}" for n in numbers(target)]
    if live is not None and live.parent in generations:
        index = generations.index(live.parent)
        keep.update(generations[max(0, index - 1) : index + 1])
    for generation in generations_dir(target).glob("*") if generations_dir(target).is_dir() else []:
        if generation.is_dir() and generation not in keep and not _held(generation):
            removed.append(_remove(generation))  # a crashed build's too: builds hold graph.build's lock
    return removed


def _held(folder: Path) -> bool:
    """A process holds a RocksDB store in `folder` (the folder itself or its `store`)."""
    return holder(folder) is not None or holder(folder / "store") is not None


def _remove(path: Path) -> Path:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
    return path


def _sync(folder: Path) -> None:
    """fsync a folder, so a rename in it survives a crash."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)

"""Where on its document's page each fact is stated: the fact ledger's anchors (queries/pages/entity-places.rq).

A place is a span of the document's text — the seed file decoded as UTF-8, offsets in Unicode code points, end
exclusive — and the document's SHA-256 says which text. The seed files are not shipped with mgkg: when the setting
`seeds` names the folder that holds them, a place also carries the words of the span, read from the file at
run time and only when the file's SHA-256 is the document's (a changed page is not quoted).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graph.pages.select import Row, Term, value

SEED_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""A seed file's name as the graph may give it: one plain file name, nothing that leaves the seeds folder."""


@dataclass(frozen=True)
class Place:
    """A span of a document's text stating a fact: code points [start, end) and, when the seed is at hand, its words."""

    start: int
    end: int
    words: str | None = None


@dataclass(frozen=True)
class Text:
    """The text a document's places count in: its seed file's name and SHA-256 (either may be unrecorded)."""

    seed_file: str | None
    sha256: str | None

    @property
    def page(self) -> str | None:
        """The page's number as its seed file names it (003 for 003_cfcd86acf525643f.txt), if it does."""
        number = (self.seed_file or "").split("_", 1)[0]
        return number if number.isdigit() else None


FactKey = tuple[str, str, tuple[str, ...]]
"""(graph, predicate, graph.pages.entity.term_key of the object): one fact of one graph."""


@lru_cache(maxsize=16)
def _seed_text(folder: str, name: str, sha256: str) -> str | None:
    """The seed file `name` of `folder` as text, when it is there and its bytes have the SHA-256 `sha256`."""
    if not SEED_NAME.fullmatch(name):
        return None
    try:
        data = (Path(folder) / name).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256.lower():
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_places(
    rows: list[Row], key: Callable[[Term], tuple[str, ...]], seeds: str = ""
) -> tuple[dict[FactKey, tuple[Place, ...]], dict[str, Text]]:
    """The places of each fact (`key(term)` keys an object term) in the rows of entity-places.rq, in text order,
    and each graph's text; with `seeds` (a folder), each place quotes its words when the seed file matches."""
    found: dict[FactKey, set[Place]] = defaultdict(set)
    texts: dict[str, Text] = {}
    for row in rows:
        graph = row["g"]["value"]
        text = texts.setdefault(graph, Text(value(row, "seedFile"), value(row, "sha256")))
        try:
            start, end = int(row["start"]["value"]), int(row["end"]["value"])
        except ValueError:
            continue  # the shapes forbid it; a hand-written graph may still say oa:start "x"
        if not 0 <= start <= end:
            continue
        words = None
        if seeds and text.seed_file and text.sha256:
            seed = _seed_text(seeds, text.seed_file, text.sha256)
            words = seed[start:end] if seed is not None and end <= len(seed) else None
        found[(graph, row["p"]["value"], key(row["o"]))].add(Place(start, end, words))
    return {fact: tuple(sorted(places, key=lambda p: (p.start, p.end))) for fact, places in found.items()}, texts

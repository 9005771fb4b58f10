"""The JSON-LD `@context` of mgkg: every export prefix as a term, so keys and IRIs read `rdfs:label`, `orgs:iom`.

The context for the default base is committed as context.jsonld beside this module (shipped in the wheel, served
by the server at /context.jsonld); `context(base)` gives the one for another base (the entity and graph prefixes
follow the base), and a test keeps the committed file equal to `context_bytes()`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph.core.namespaces import DEFAULT_BASE, export_prefixes, normalize_base

CONTEXT_FILE = Path(__file__).with_name("context.jsonld")
"""The committed context for the default base."""


def context(base: str = DEFAULT_BASE) -> dict[str, Any]:
    """The `@context` object (prefix → namespace, in the export prefixes' order) for data under `base`."""
    return dict(export_prefixes(base))


def context_bytes(base: str = DEFAULT_BASE) -> bytes:
    """The context document (`{"@context": …}`) as published: the committed file for the default base."""
    if normalize_base(base) == DEFAULT_BASE and CONTEXT_FILE.is_file():
        return CONTEXT_FILE.read_bytes()
    return render(base)


def render(base: str = DEFAULT_BASE) -> bytes:
    """The context document for `base`, freshly written (what context.jsonld holds for the default base)."""
    return (json.dumps({"@context": context(base)}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

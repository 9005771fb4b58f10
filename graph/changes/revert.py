"""Revert: a new changeset that undoes an earlier one — refused when a later changeset changed the same quads,
when it no longer applies, or when the result would not conform (the SHACL gate, on a checkpoint of the store)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from graph.changes.apply import apply, blocking, inverse, stale_reason
from graph.changes.journal import Journal
from graph.changes.model import ChangesError, Changeset
from graph.core.errors import Kind
from graph.shacl.incremental import Changes
from graph.shacl.validate import ValidationReport, validate_store


def revert_changeset(journal: Journal, id: str, writer: str, message: str) -> Changeset:
    """The changeset that undoes changeset `id` (not applied yet); ChangesError NOT_FOUND for an id the journal
    does not hold, CONFLICT naming the later changesets that changed the same quads."""
    changesets = list(journal)
    found = [n for n, changeset in enumerate(changesets) if changeset.id == id]
    if not found:
        raise ChangesError(f"no changeset {id} in the journal (see `mgkg history`)", kind=Kind.NOT_FOUND)
    target = changesets[found[0]]
    later = blocking(changesets[found[0] + 1 :], target)
    if later:
        raise ChangesError(
            f"changeset {id} cannot be reverted: later changeset(s) {', '.join(later)} changed the same quads "
            "(revert those first)", kind=Kind.CONFLICT,
        )
    return inverse(target, writer, message)


def check_applies(store: ox.Store, changeset: Changeset) -> None:
    """ChangesError CONFLICT when the changeset does not apply to the store exactly."""
    reason = stale_reason(store, changeset)
    if reason is not None:
        what = f"the revert of {changeset.reverts}" if changeset.reverts else f"changeset {changeset.id}"
        raise ChangesError(f"{what} does not apply: {reason}", kind=Kind.CONFLICT)


def validate_on_copy(store: ox.Store, changeset: Changeset, base: str, folder: Path) -> ValidationReport:
    """Apply the changeset to a checkpoint of the on-disk store (in a `.scratch-*` folder under `folder`, removed
    afterwards) and validate what it changes there."""
    scratch_dir = Path(tempfile.mkdtemp(prefix=".scratch-", dir=folder))
    try:
        store.backup(str(scratch_dir / "store"))
        scratch = ox.Store(str(scratch_dir / "store"))
        try:
            apply(scratch, changeset, base)
            return validate_store(scratch, engine="oxigraph",
                                  changes=Changes.of_quads([*changeset.added, *changeset.removed]))
        finally:
            del scratch
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)

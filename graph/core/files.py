"""Read user-supplied RDF files (any format of graph.core.formats, by extension) into one dataset, one-line errors.

A leading byte-order mark is dropped; a file nested deeper than `max_depth` levels (graph.core.depth) is refused.
"""

from __future__ import annotations

import csv
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from graph.core.config import Settings
from graph.core.depth import depth_refusal
from graph.core.errors import MgkgError
from graph.core.formats import RDF_READ, Format, FormatError, by_extension, by_name
from graph.core.namespaces import IRI_FORBIDDEN
from graph.core.text import first_line, without_bom

DEFAULT_MAX_DEPTH = Settings.max_depth
"""How deeply a data file may nest (graph.core.depth): the default of the setting `max_depth`."""


class DataFileError(MgkgError, ValueError):
    """A data file is missing, of unknown format or malformed; the message names file (and line)."""


def _parse_into(target: Graph | Dataset, path: Path, fmt: Format) -> None:
    try:
        data = without_bom(path.read_bytes())
    except OSError as error:
        raise DataFileError(f"{path}: cannot read: {error.strerror}") from None
    refusal = depth_refusal(data, fmt.name, DEFAULT_MAX_DEPTH, str(path))
    if refusal is not None:
        raise DataFileError(refusal)
    try:
        with _quiet_iri_warnings():  # rdflib warns of an IRI it will not serialize; _check_iris says it once
            target.parse(data=data, format=str(fmt.rdflib), publicID=path.resolve().as_uri())
    except BadSyntax as error:
        raise DataFileError(f"{path}:{error.lines + 1}: {fmt.rdflib} syntax error: {error._why}") from None
    except Exception as error:  # each rdflib parser has its own exception types
        raise DataFileError(f"{path}: cannot parse as {fmt.rdflib}: {first_line(error)}") from None
    _check_iris(target, path)


@contextmanager
def _quiet_iri_warnings() -> Iterator[None]:
    """rdflib's warning about a malformed IRI silenced (it is printed outside mgkg's one error line)."""
    log = logging.getLogger("rdflib.term")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _check_iris(target: Graph | Dataset, path: Path) -> None:
    """DataFileError naming the first IRI rdflib read that no RDF store can keep (a space, a quote, …)."""
    every = target.quads((None, None, None, None)) if isinstance(target, Dataset) else target.triples((None,) * 3)
    for terms in every:
        for term in terms[:3]:
            if isinstance(term, URIRef) and IRI_FORBIDDEN.search(term):
                raise DataFileError(f"{path}: <{term}> is not a valid IRI (a space or another forbidden character)")


def parse_graph(path: Path, fmt: str = "turtle") -> Graph:
    """Parse one file into a new graph; errors become one-line DataFileErrors naming file and line."""
    graph = Graph()
    _parse_into(graph, path, by_name(fmt, RDF_READ))
    return graph


def read_data_files(paths: Iterable[Path]) -> Dataset:
    """Parse every file; quad formats keep their graphs, triple formats go into a graph named by the file."""
    dataset = Dataset()
    for path in paths:
        try:
            fmt = by_extension(path, RDF_READ)
        except FormatError as error:
            raise DataFileError(str(error)) from None
        if fmt.keeps_graphs:
            _parse_into(dataset, path, fmt)
        else:
            _parse_into(dataset.graph(path.resolve().as_uri()), path, fmt)
    return dataset


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path`, never leaving a half-written file: a regular file (or a new one) through a temporary
    file beside it, fsync'd, renamed over it; a symlink is followed (the file it names is replaced, the link
    stays); a FIFO, a character device or anything under /dev or /proc (/dev/stdout) is written straight through.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise DataFileError(f"{path}: cannot write: {error.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise DataFileError(f"{path}: cannot write: it is a folder")
    if (mode is not None and not stat.S_ISREG(mode)) or str(path.absolute()).startswith(("/dev/", "/proc/")):
        try:
            with path.open("wb") as handle:
                handle.write(data)
        except OSError as error:
            raise DataFileError(f"{path}: cannot write: {error.strerror}") from None
        return
    target = Path(os.path.realpath(path))
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, stat.S_IMODE(mode))
        temporary.replace(target)
    except OSError as error:
        with suppress(OSError):  # under a regular file or in a missing folder there is nothing to remove
            temporary.unlink(missing_ok=True)
        raise DataFileError(f"{path}: cannot write: {error.strerror}") from None


def read_tsv(path: Path, error: type[Exception]) -> tuple[list[str], Iterator[list[str]]]:
    """The stripped header and the row reader of a tab-separated file; `error` ("file: cannot read") if unreadable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot read: {problem}") from None
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [h.strip() for h in next(reader, [])], reader

"""The vendored JavaScript: every file scripts/vendor.txt pins is in server/static/vendor/, with its licence, and
nothing else is (scripts/vendor.sh refreshes them from npm; `--check` compares them with the packages')."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LIST = REPO / "scripts" / "vendor.txt"
VENDOR = REPO / "server" / "static" / "vendor"
TEMPLATES = REPO / "server" / "templates"
SPEC = re.compile(r"(?P<package>(?:@[a-z0-9-]+/)?[a-z0-9][a-z0-9._-]*)@(?P<version>[0-9]+\.[0-9]+\.[0-9]+)")


def pinned() -> dict[str, tuple[str, str, list[str]]]:
    """Each vendored folder's package, pinned version and files (paths inside the package), from scripts/vendor.txt."""
    found = {}
    for line in LIST.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spec, *files = line.split()
        match = SPEC.fullmatch(spec)
        assert match, f"{spec!r} is not package@x.y.z"
        folder = match["package"].rsplit("/", 1)[-1]
        assert folder not in found, f"{folder} listed twice"
        found[folder] = (match["package"], match["version"], files)
    return found


def test_every_pinned_file_is_vendored_with_its_licence() -> None:
    packages = pinned()
    assert {"codemirror", "d3", "topojson-client", "world-atlas"} <= set(packages)
    for folder, (package, version, files) in packages.items():
        assert "LICENSE" in files, f"{package}: its licence is not vendored"
        for file in files:
            assert (VENDOR / folder / Path(file).name).is_file(), f"{package}@{version}: {file} is missing"
        readme = (VENDOR / folder / "README.md").read_text(encoding="utf-8")
        assert f"{package}@{version}" in readme, f"{folder}/README.md does not name {package}@{version}"


def test_nothing_is_vendored_that_is_not_pinned() -> None:
    packages = pinned()
    assert {p.name for p in VENDOR.iterdir() if p.is_dir()} == set(packages)
    for folder, (_, _, files) in packages.items():
        present = {p.name for p in (VENDOR / folder).iterdir()} - {"README.md"}
        assert present == {Path(file).name for file in files}, folder


@pytest.mark.parametrize("template", ["index.html", "queries.html", "views_scripts.html"])
def test_templates_load_only_files_that_exist(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for name in re.findall(r"url_for\('static', filename='([^']+)'\)", text):
        assert (REPO / "server" / "static" / name).is_file(), f"{template}: static/{name} does not exist"
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text), f"{template} loads something from elsewhere"

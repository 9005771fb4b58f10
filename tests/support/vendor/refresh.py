"""Refresh the tests' vendored npm packages (axe-core) from the npm registry: `python -m tests.support.vendor.refresh`.

Reads the pin (`<package>/vendor.json`: package, version), fetches that version with `npm pack` (the registry's
integrity checked by npm, then against the pin), unpacks it and copies the files the pin lists plus the licences,
checking each file's SHA-256 against the package's own `sri-history.json` and rewriting the pin. Give
`--version X.Y.Z` to move the pin. Needs Node's npm; the tests themselves only read the committed files.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
LICENCES = ("LICENSE", "LICENSE-3RD-PARTY.txt")


def sri(data: bytes) -> str:
    """The Subresource Integrity (sha256) string of `data`."""
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def refresh(folder: Path, version: str | None) -> str:
    """Fetch the pinned (or the given) version of the package in `folder` and copy its files in; returns it."""
    pin = json.loads((folder / "vendor.json").read_text())
    version = version or pin["version"]
    with tempfile.TemporaryDirectory() as work:
        packed = subprocess.run(
            ["npm", "pack", f"{pin['package']}@{version}", "--json", "--pack-destination", work],
            check=True, capture_output=True, text=True,
        )
        info = json.loads(packed.stdout)[0]
        if version == pin["version"] and info["integrity"] != pin["integrity"]:
            sys.exit(f"{pin['package']}@{version}: the registry's integrity {info['integrity']} is not the pinned one")
        with tarfile.open(Path(work) / info["filename"]) as tar:
            tar.extractall(work, filter="data")
        package = Path(work) / "package"
        history = json.loads((package / "sri-history.json").read_text()).get(version, {})
        for name in pin["files"]:
            data = (package / name).read_bytes()
            if history.get(name) not in (None, sri(data)):
                sys.exit(f"{name}: its SHA-256 is not the one sri-history.json gives for {version}")
            (folder / name).write_bytes(data)
            pin["files"][name] = sri(data)
        for name in LICENCES:
            if (package / name).exists():
                shutil.copyfile(package / name, folder / name)
        pin.update(version=version, integrity=info["integrity"], source=f"npm pack {pin['package']}@{version}")
    (folder / "vendor.json").write_text(json.dumps(pin, indent=2) + "\n")
    return version


def main() -> None:
    """Refresh every vendored package (or the one named)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="axe-core")
    parser.add_argument("--version", help="move the pin to this version")
    arguments = parser.parse_args()
    print(f"{arguments.package} {refresh(HERE / arguments.package, arguments.version)}")


if __name__ == "__main__":
    main()

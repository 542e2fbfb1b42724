#!/usr/bin/env python3
"""Vendor Potok's front-end packages from the npm registry into static files.

Installing Potok needs no Node: this script is run by a developer when a pinned version changes, and
its output (src/potok/web/static/vendor/) is committed. Each tarball is checked against the sha512
integrity the registry publishes for that exact version.

    python scripts/vendor_static.py            # fetch and unpack every package below
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
TARGET = Path(__file__).resolve().parent.parent / "src" / "potok" / "web" / "static" / "vendor"

# package → (pinned version, files or folders inside the tarball's "package/" to keep)
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "bootstrap": (
        "5.3.8",
        [
            "dist/css/bootstrap.min.css",
            "dist/css/bootstrap.min.css.map",
            "dist/js/bootstrap.bundle.min.js",
            "dist/js/bootstrap.bundle.min.js.map",
            "LICENSE",
        ],
    ),
    "bootstrap-icons": ("1.13.1", ["font/bootstrap-icons.min.css", "font/fonts", "LICENSE"]),
    "htmx.org": ("2.0.7", ["dist/htmx.min.js", "LICENSE"]),
    "bpmn-js": (
        "18.6.3",
        [
            "dist/bpmn-modeler.production.min.js",
            "dist/bpmn-navigated-viewer.production.min.js",
            "dist/assets",
            "LICENSE",
        ],
    ),
    "chart.js": ("4.5.0", ["dist/chart.umd.js", "LICENSE.md"]),
}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def vendor(name: str, version: str, keep: list[str]) -> None:
    meta = json.loads(fetch(f"{REGISTRY}/{name}/{version}"))
    tarball = fetch(meta["dist"]["tarball"])
    algorithm, expected = meta["dist"]["integrity"].split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: integrity mismatch")
    destination = TARGET / name
    shutil.rmtree(destination, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            relative = member.name.removeprefix("package/")
            if not member.isfile() or not any(relative == k or relative.startswith(k + "/") for k in keep):
                continue
            out = destination / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            extracted = archive.extractfile(member)
            assert extracted is not None
            out.write_bytes(extracted.read())
    (destination / "VERSION").write_text(
        f"{name}@{version} from the npm registry, integrity {algorithm} checked\n"
    )
    print(f"vendored {name}@{version}")


def main() -> None:
    for name, (version, keep) in PACKAGES.items():
        vendor(name, version, keep)


if __name__ == "__main__":
    main()

"""Every string of the interface has its Russian translation, and the compiled catalogue is current."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "src" / "potok" / "locale"


def test_russian_catalogue_is_complete() -> None:
    catalogue = polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    assert missing == []


def test_compiled_catalogue_matches_the_source(tmp_path: Path) -> None:
    for language in ("ru", "en"):
        source = LOCALE / language / "LC_MESSAGES" / "django.po"
        compiled = tmp_path / f"{language}.mo"
        subprocess.run(["msgfmt", "-o", str(compiled), str(source)], check=True)
        assert compiled.read_bytes() == (LOCALE / language / "LC_MESSAGES" / "django.mo").read_bytes(), (
            f"run: python scripts/po_fill.py --missing; then compile ({language})"
        )

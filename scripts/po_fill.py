#!/usr/bin/env python3
r"""Merge Russian translations into src/potok/locale/ru/LC_MESSAGES/django.po and compile the catalogues.

    python scripts/po_fill.py translations.json     # {"msgid": "перевод", "one|many": ["форма1", "форма2", "форма3"]}
    python scripts/po_fill.py --missing             # list msgids that still have no translation

An entry with a context (pgettext, {% translate "..." context "..." %}) is keyed as gettext keys it in the
compiled catalogue: "context\u0004msgid", e.g. {"process\u0004Start": "Запустить"}; a plural one as
"context\u0004one|many".

Run `make messages` first so the catalogue knows every string of the code and templates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "src" / "potok" / "locale" / "ru" / "LC_MESSAGES" / "django.po"


CONTEXT_SEPARATOR = "\x04"


def key_of(entry: polib.POEntry) -> str:
    r"""The JSON key of an entry: its msgid (with "|plural"), prefixed by "context\u0004" when it has one."""
    key = entry.msgid if not entry.msgid_plural else f"{entry.msgid}|{entry.msgid_plural}"
    return f"{entry.msgctxt}{CONTEXT_SEPARATOR}{key}" if entry.msgctxt is not None else key


def main() -> None:
    po = polib.pofile(str(CATALOGUE))
    if sys.argv[1:] == ["--missing"]:
        for entry in po:
            if not entry.translated() and not entry.obsolete:
                print(json.dumps(key_of(entry), ensure_ascii=False))
        return
    translations = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for entry in po:
        key = key_of(entry)
        if key not in translations:
            continue
        value = translations[key]
        if entry.msgid_plural:
            entry.msgstr_plural = dict(enumerate(value))
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    for language in ("ru", "en"):
        path = CATALOGUE.parent.parent.parent / language / "LC_MESSAGES" / "django.po"
        subprocess.run(
            ["msgfmt", "--check-format", "-o", str(path.with_suffix(".mo")), str(path)],
            check=True,
        )
    print("missing:", sum(1 for e in polib.pofile(str(CATALOGUE)) if not e.translated() and not e.obsolete))


if __name__ == "__main__":
    main()

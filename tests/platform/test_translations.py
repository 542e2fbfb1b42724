"""Every string of the interface has its Russian translation, and the compiled catalogue is current."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib  # type: ignore[import-untyped]

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


def test_po_fill_tells_apart_the_same_msgid_in_different_contexts(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gettext
    import importlib.util
    import sys

    # given a catalogue where "Start" is both a button that starts a process and a start event
    spec = importlib.util.spec_from_file_location("po_fill", LOCALE.parents[2] / "scripts" / "po_fill.py")
    assert spec is not None and spec.loader is not None
    po_fill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(po_fill)
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    body = (
        'msgctxt "process"\nmsgid "Start"\nmsgstr ""\n\n'
        'msgctxt "event"\nmsgid "Start"\nmsgstr ""\n\n'
        'msgid "Start"\nmsgstr ""\n'
    )
    for language in ("ru", "en"):
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "django.po").write_text(header + body, encoding="utf-8")
    catalogue = tmp_path / "ru" / "LC_MESSAGES" / "django.po"
    monkeypatch.setattr(po_fill, "CATALOGUE", catalogue)
    translations = tmp_path / "ru.json"
    translations.write_text(
        '{"process\\u0004Start": "Запустить", "event\\u0004Start": "Начало", "Start": "Старт"}',
        encoding="utf-8",
    )

    # when the missing ones are listed and then filled from the JSON
    monkeypatch.setattr(sys, "argv", ["po_fill.py", "--missing"])
    po_fill.main()
    monkeypatch.setattr(sys, "argv", ["po_fill.py", str(translations)])
    po_fill.main()

    # then each context has its own translation in the compiled catalogue
    with (catalogue.with_suffix(".mo")).open("rb") as compiled:
        russian = gettext.GNUTranslations(compiled)
    assert russian.pgettext("process", "Start") == "Запустить"
    assert russian.pgettext("event", "Start") == "Начало"
    assert russian.gettext("Start") == "Старт"

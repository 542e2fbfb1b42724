"""Reading an uploaded table: CSV (any of the encodings and delimiters Excel and 1C produce) or XLSX.

Everything is read as text: ИНН, КПП and phones keep their leading zeros, and a number Excel stored as
12345.0 comes back as "12345". Anything wrong with the file as a whole raises FileRejected with a message
for the user; nothing is written anywhere by this module.

Example:
    >>> table = read_table("clients.csv", data)  # windows-1251, ";" — detected
    >>> table.headers, table.rows[0], table.encoding, table.delimiter
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# A row this many times wider than the header means a broken file (wrong delimiter, lost quotes).
MAX_WIDTH_FACTOR = 3

ENCODINGS = {
    "utf-8": "UTF-8",
    "cp1251": "Windows-1251 (Excel, 1C)",
    "cp866": "CP866 (DOS)",
    "koi8-r": "KOI8-R",
}
DELIMITERS = {
    ";": gettext_lazy("semicolon ;"),
    ",": gettext_lazy("comma ,"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar |"),
}


class FileRejected(Exception):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def detect_format(file_name: str, content: bytes) -> str:
    if not content or not content.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileRejected(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise FileRejected(
            _("The file is %(size)s MB; the limit is %(limit)d MB. Split it into smaller files.")
            % {"size": f"{len(content) / 1024 / 1024:.1f}", "limit": MAX_FILE_BYTES // 1024 // 1024}
        )
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(_("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload again."))
    head = content[:8192]
    if b"\x00" in head or content.startswith(b"%PDF"):
        raise FileRejected(_("This is not a CSV or XLSX file. Upload a table saved as CSV or XLSX."))
    return "csv"


def read_table(file_name: str, content: bytes, *, encoding: str = "", delimiter: str = "") -> Table:
    file_format = detect_format(file_name, content)
    if file_format == "xlsx":
        table = _read_xlsx(content)
    else:
        text, used_encoding = decode(content, encoding)
        table = _read_csv(text, delimiter)
        table.encoding = used_encoding
    _check_shape(table)
    return table


def decode(content: bytes, encoding: str = "") -> tuple[str, str]:
    """The text and the encoding used: strict UTF-8 (with or without BOM), then windows-1251; a forced
    encoding is used strictly and refused when it clearly does not fit."""
    if encoding:
        if encoding not in ENCODINGS:
            raise FileRejected(_("Unknown encoding %(encoding)s.") % {"encoding": encoding})
        if encoding != "utf-8" and _is_utf8_text(content):
            raise FileRejected(
                _(
                    "The file is UTF-8 text, not %(encoding)s: reading it as %(encoding)s would garble every "
                    "letter. Choose «detect automatically» or UTF-8."
                )
                % {"encoding": ENCODINGS[encoding]}
            )
        try:
            return content.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except UnicodeDecodeError as error:
            raise FileRejected(
                _(
                    "The file is not valid %(encoding)s (byte 0x%(byte)02X at position %(position)d). "
                    "Choose another encoding or «detect automatically»."
                )
                % {"encoding": ENCODINGS[encoding], "byte": content[error.start], "position": error.start}
            ) from error
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as error:
        raise FileRejected(
            _("The file's encoding is neither UTF-8 nor windows-1251. Choose the encoding by hand.")
        ) from error


def _is_utf8_text(content: bytes) -> bool:
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return any(byte >= 0x80 for byte in content[:65536])


def sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        counts = {candidate: first_line.count(candidate) for candidate in (";", ",", "\t", "|")}
        best = max(counts, key=lambda candidate: counts[candidate])
        return best if counts[best] else ","


def _read_csv(text: str, delimiter: str) -> Table:
    if delimiter and delimiter not in DELIMITERS:
        raise FileRejected(_("Unknown delimiter %(delimiter)r.") % {"delimiter": delimiter})
    used = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=used)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if headers is None:
                headers = [cell.strip() for cell in cells]
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise FileRejected(
                    _("The file has more than %(limit)d rows. Split it into smaller files.")
                    % {"limit": MAX_ROWS}
                )
    except csv.Error as error:
        raise FileRejected(
            _("The file cannot be read as CSV near line %(line)d: %(error)s.")
            % {"line": reader.line_num, "error": error}
        ) from error
    return Table(headers=headers or [], rows=rows, file_format="csv", delimiter=used)


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text the user saw: 7707083893.0 → "7707083893", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileRejected(
            _("This is not a valid XLSX file. Save the table again as .xlsx or CSV.")
        ) from error
    except Exception as error:  # openpyxl raises its own classes for every kind of damage
        raise FileRejected(
            _("This is not a valid XLSX file. Save the table again as .xlsx or CSV.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        headers: list[str] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                continue
            if headers is None:
                headers = [cell.strip() for cell in cells]
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise FileRejected(
                    _("The file has more than %(limit)d rows. Split it into smaller files.")
                    % {"limit": MAX_ROWS}
                )
    finally:
        workbook.close()
    return Table(headers=headers or [], rows=rows, file_format="xlsx")


def _check_shape(table: Table) -> None:
    if not table.headers:
        raise FileRejected(_("The file is empty."))
    if not table.rows:
        raise FileRejected(_("The file has a header but no rows to import."))
    width = len(table.headers)
    for number, cells in table.rows:
        if len(cells) > max(width * MAX_WIDTH_FACTOR, width + 10):
            raise FileRejected(
                _(
                    "Row %(row)d has %(cells)d cells where the header has %(width)d: the file is damaged or "
                    "its delimiter is not the one detected. Check the delimiter and the quotes."
                )
                % {"row": number, "cells": len(cells), "width": width}
            )
    for index, header in enumerate(table.headers):
        if not header:
            table.headers[index] = _("Column %(number)d") % {"number": index + 1}

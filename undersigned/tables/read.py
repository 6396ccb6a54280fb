"""Reading a CSV or XLSX table as a stream of rows of text, every problem located.

A table is read row by row and never held whole: CSV through the standard ``csv`` module
over an incremental decoder, XLSX through openpyxl in read-only mode. Cells come out as
text (numbers as written, dates as ISO dates); what cannot be a value (a formula, a merged
cell, a cell too long) is reported at its row and column and read as empty.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FileRefused, Problems
from ..model.text import UNPRINTABLE, lost_letter_message, normal, text_problem

MAX_ROWS = 200_000
"""More rows than this in one table are refused: far above any mailing of letters."""
MAX_CELL_CHARS = 10_000
"""How long one cell may be: far above any name, address or paragraph."""
MAX_TABLE_BYTES = 256 * 1024 * 1024
"""A table file larger than this is refused before it is read."""
MAX_XLSX_UNPACKED = 512 * 1024 * 1024
"""What an XLSX file (a zip) may unpack to, in all; more is a zip bomb."""
MAX_XLSX_RATIO = 200
"""How many times larger than its compressed size one part of an XLSX may be."""

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "\\t": "\t", "|": "|"}
"""The delimiters a table may declare: ``tab`` (or ``\\t``) for a tab."""
_SNIFF_BYTES = 64 * 1024


@dataclass
class Table:
    """An open table: how messages name it, its header, and its rows to read once."""

    label: str
    """``recipients.csv``, or ``recipients.xlsx[Sheet1]`` for a sheet of a workbook."""
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    """(row number, cells) for each row after the header; empty rows are left out."""
    empty_rows: list[int] = field(default_factory=list)
    encoding: str = "utf-8"
    """What the file was read as (an XLSX workbook is Unicode)."""
    lost_letters: bool = True
    """Whether a ``?`` standing for a lost letter is an error at its cell (the
    Parliament's lists mark such names instead)."""
    flagged: set[tuple[int, int]] = field(default_factory=set)
    """(row, column) of the cells found wrong here, so that a reader of the rows does not
    say the same cell twice."""


def open_table(path: Path, label: str, problems: Problems, encoding: str | None = None,
               delimiter: str | None = None, sheet: str | None = None,
               lost: str = "error") -> Table | None:
    """The table in ``path``; None, with the reason in ``problems``, when it cannot be read.

    ``lost="keep"`` leaves a ``?`` standing for a lost letter in a single-byte file to the
    caller (which marks it: the Parliament's lists); by default it is an error at its cell."""
    try:
        _check_file(path, label)
    except FileRefused as exc:
        problems.add(label, message=str(exc).removeprefix(f"{label}: "))
        return None
    sep = delimiter_of(delimiter, label, problems)
    if sep is False:
        return None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _open_xlsx(path, label, problems, sheet)
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return _open_csv(lambda: open(path, "rb"), label, problems, encoding, sep, lost)
    problems.add(label, message="a table is a .csv or .xlsx file (an .xls or .ods workbook: "
                 "save it as .xlsx)")
    return None


def open_csv_bytes(data: bytes, label: str, problems: Problems, encoding: str | None = None,
                   delimiter: str | None = None, lost: str = "error") -> Table | None:
    """A CSV table from ``data`` already read (a download), by the same rules as a file."""
    if len(data) > MAX_TABLE_BYTES:
        problems.add(label, message=f"is {len(data):,} bytes; tables are limited to "
                     f"{MAX_TABLE_BYTES:,} bytes")
        return None
    sep = delimiter_of(delimiter, label, problems)
    if sep is False:
        return None
    return _open_csv(lambda: io.BytesIO(data), label, problems, encoding, sep, lost)


def delimiter_of(written: str | None, label: str, problems: Problems) -> str | None | bool:
    """The character a declared delimiter stands for (``tab`` is a tab), None when none is
    declared (the header's is used), False (said in ``problems``) when it cannot be one."""
    if written is None:
        return None
    found = DELIMITERS.get(written.lower() if written.isascii() else written)
    if found is None:
        shown = written.encode("unicode_escape").decode()
        problems.add(label, message=f"'{shown}' cannot separate the columns of a CSV; give "
                     "one character of , ; | or tab")
        return False
    return found


def _check_file(path: Path, label: str) -> None:
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise FileRefused(f"{label}: cannot read: {exc.strerror or exc}") from None
    import stat
    if stat.S_ISLNK(info.st_mode):
        raise FileRefused(f"{label}: is a symbolic link; give the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{label}: is not a regular file")
    if info.st_size > MAX_TABLE_BYTES:
        raise FileRefused(f"{label}: is {info.st_size:,} bytes; tables are limited to "
                          f"{MAX_TABLE_BYTES:,} bytes")


# --- CSV -------------------------------------------------------------------------------


def _open_csv(opener, label: str, problems: Problems, encoding: str | None,
              sep: str | None, lost: str) -> Table | None:
    with opener() as raw:
        head = raw.read(_SNIFF_BYTES)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        problems.add(label, message="holds NUL bytes: it is not a CSV text file (an XLSX "
                     "workbook renamed .csv?); export it as CSV UTF-8")
        return None
    chosen = _encoding(head, encoding)
    try:
        codecs.lookup(chosen)
    except LookupError:
        problems.add(label, message=f"'{encoding}' is not an encoding Python knows; write "
                     "utf-8, cp1252 or latin-1")
        return None
    stream = io.TextIOWrapper(opener(), encoding=chosen, errors="strict", newline="")
    try:
        first = stream.readline()
    except UnicodeDecodeError:
        stream.close()
        _decode_problem(problems, label, opener, chosen, encoding)
        return None
    if not first.strip():
        stream.close()
        problems.add(label, 1, message="the first row is empty; it must be the header, "
                     "naming each column")
        return None
    found = max((",", ";", "\t", "|"), key=first.count)
    header = next(csv.reader([first], delimiter=sep or found))
    if sep and len(header) == 1 and first.count(found):
        stream.close()
        shown, declared = ({"\t": "tab"}.get(c, c) for c in (found, sep))
        problems.add(label, 1, 1, message=f"the header is one column, "
                     f"'{_short(header[0])}': the file is separated by '{shown}', not "
                     f"'{declared}'; declare delimiter: '{shown}'")
        return None
    reader = csv.reader(stream, delimiter=sep or found)
    table = Table(label, [normal(h.strip()) for h in header], iter(()), encoding=chosen,
                  lost_letters=lost == "error")
    table.rows = _csv_rows(opener, stream, reader, table, problems, encoding)
    return table


def _encoding(head: bytes, declared: str | None) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"  # a BOM says UTF-8 whatever was declared
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if declared:
        return declared
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"  # what Excel and the European Parliament write on Windows


def _bad_byte(opener, encoding: str) -> tuple[int, int, str]:
    """(line, column, byte) of the first byte that is not ``encoding`` text, found by
    decoding the file again chunk by chunk (a decoder reads ahead of the rows)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, column = 1, 1
    with opener() as raw:
        while chunk := raw.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                start = max(exc.start - len(decoder.getstate()[0]), 0)
                before = chunk[:start]
                line += before.count(b"\n")
                column = start - (before.rfind(b"\n") + 1) + 1 if b"\n" in before else \
                    column + start
                return line, column, chunk[start:start + 1].hex()
            line += chunk.count(b"\n")
            column = len(chunk) - chunk.rfind(b"\n") if b"\n" in chunk else column + len(chunk)
    return line, 0, "??"


def _decode_problem(problems: Problems, label: str, opener, chosen: str,
                    declared: str | None) -> None:
    line, column, byte = _bad_byte(opener, chosen)
    other = "cp1252" if chosen.replace("-", "").lower().startswith("utf8") else "utf-8"
    said = f"declared as {declared}" if declared else f"read as {chosen}"
    problems.add(label, line, column, message=f"the file is {said}, but byte 0x{byte} is not "
                 f"{chosen} text; declare its real encoding ({other}, for example) or "
                 "export it as CSV UTF-8")


def _csv_rows(opener, stream, reader, table: Table, problems: Problems,
              declared: str | None) -> Iterator[tuple[int, list[str]]]:
    counter = [0]
    row_number = 1
    label = table.label
    with stream:
        while True:
            row_number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                _decode_problem(problems, label, opener, table.encoding, declared)
                return
            except csv.Error as exc:
                text = str(exc)
                if "field larger" in text:
                    text = f"a cell is longer than {MAX_CELL_CHARS:,} characters"
                problems.add(label, row_number, message=f"cannot be read as CSV: {text}")
                return
            if _counted(table, row_number, not any(cell.strip() for cell in cells),
                        counter, problems):
                yield row_number, checked_cells(cells, table, row_number, problems)
            elif counter[0] > MAX_ROWS:
                return


def _counted(table: Table, row_number: int, empty: bool, counter: list[int],
             problems: Problems) -> bool:
    """Whether a row is one of data within the limit; an empty row is noted, the row past
    the limit reported (and ``counter`` then exceeds it)."""
    if empty:
        table.empty_rows.append(row_number)
        return False
    counter[0] += 1
    if counter[0] > MAX_ROWS:
        problems.add(table.label, row_number, message=f"more than {MAX_ROWS:,} rows; split "
                     "the table")
        return False
    return True


def checked_cells(cells: list[str], table: Table, row: int, problems: Problems) -> list[str]:
    """The cells of a row, each given the checks a YAML value gets (its length, control
    characters, bidirectional overrides, lost letters) at its row and column, in NFC; a
    cell too long is read as empty."""
    joined = "".join(cells)
    if ("?" not in joined and UNPRINTABLE.search(joined) is None
            and unicodedata.is_normalized("NFC", joined)
            and max(map(len, cells), default=0) <= MAX_CELL_CHARS):
        return cells  # the common row, checked whole at once
    for column, cell in enumerate(cells, 1):
        if len(cell) > MAX_CELL_CHARS:
            problems.add(table.label, row, column, message=f"the cell is {len(cell):,} "
                         f"characters long; cells are limited to {MAX_CELL_CHARS:,}")
            cells[column - 1] = ""
            continue
        if cell.isascii() and cell.isprintable() and "?" not in cell:
            continue  # the common case, quickly
        wrong = text_problem(cell) or (lost_letter_message(cell, table.encoding)
                                       if table.lost_letters else None)
        if wrong:
            problems.add(table.label, row, column, _column_name(table, column), wrong)
            table.flagged.add((row, column))
        cells[column - 1] = normal(cell)
    return cells


def _column_name(table: Table, column: int) -> str:
    name = table.header[column - 1] if column <= len(table.header) else ""
    return f"column '{name}'" if name else f"column {column}"


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# --- XLSX ------------------------------------------------------------------------------


def _open_xlsx(path: Path, label: str, problems: Problems, sheet: str | None) -> Table | None:
    if not zipfile.is_zipfile(path):
        problems.add(label, message="is not an XLSX workbook (an XLSX file is a zip archive); "
                     "save it again as .xlsx, or export it as CSV")
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        problems.add(label, message=f"is not a readable XLSX workbook: {exc}")
        return None
    unpacked = sum(part.file_size for part in parts)
    bomb = next((p for p in parts if p.file_size > 1_000_000
                 and p.file_size > MAX_XLSX_RATIO * max(p.compress_size, 1)), None)
    if unpacked > MAX_XLSX_UNPACKED or bomb is not None:
        problems.add(label, message=f"would unpack to {unpacked:,} bytes"
                     + (f" ({bomb.filename} is {bomb.file_size // max(bomb.compress_size, 1):,} "
                        "times its packed size)" if bomb else "")
                     + f"; an XLSX workbook may unpack to at most {MAX_XLSX_UNPACKED:,} bytes, "
                     f"{MAX_XLSX_RATIO} times its packed size: it is refused as a zip bomb")
        return None
    import warnings

    import openpyxl
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unknown extension", "no default style"
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        problems.add(label, message=f"is not a readable XLSX workbook: {exc}")
        return None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        from ..errors import did_you_mean
        problems.add(label, message=f"there is no sheet '{sheet}'" + did_you_mean(sheet, names)
                     + f" (sheets: {', '.join(names)})")
        book.close()
        return None
    worksheet = book[sheet or names[0]]
    sheet_label = f"{label}[{worksheet.title}]"
    merged = _merged_ranges(book, worksheet)
    rows = worksheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None or not any(v not in (None, "") for v in first):
        problems.add(sheet_label, 1, message="the first row is empty; it must be the header, "
                     "naming each column")
        book.close()
        return None
    table = Table(sheet_label, [normal(_text(v).strip()) for v in first], iter(()))
    for ref, (row, column) in merged:
        problems.add(sheet_label, row, column, message=f"the cells {ref} are merged; unmerge "
                     "them and write the value in each cell")
    table.rows = _xlsx_rows(book, rows, table, problems)
    return table


def _merged_ranges(book, worksheet) -> list[tuple[str, tuple[int, int]]]:
    """The merged ranges of a sheet (read-only mode does not give them): its XML streamed
    for ``mergeCell`` elements, with defusedxml."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    found = []
    path = getattr(worksheet, "_worksheet_path", None)
    if path is None:
        return found
    try:
        with book._archive.open(path) as source:
            for _, element in iterparse(source):
                if element.tag.endswith("}mergeCell"):
                    ref = element.get("ref", "")
                    try:
                        min_col, min_row, _, _ = range_boundaries(ref)
                    except (ValueError, TypeError):
                        continue
                    found.append((ref, (min_row, min_col)))
                elif element.tag.endswith("}row"):
                    element.clear()
    except Exception:  # noqa: BLE001 - the sheet itself is read next and reports what is wrong
        return found
    return found


def _xlsx_rows(book, rows, table: Table, problems: Problems) -> Iterator[tuple[int, list[str]]]:
    label = table.label
    counter = [0]
    try:
        for row_number, values in enumerate(rows, 2):
            if not _counted(table, row_number, not any(v not in (None, "") for v in values),
                            counter, problems):
                if counter[0] > MAX_ROWS:
                    return
                continue
            cells = []
            for column, value in enumerate(values, 1):
                text = _text(value)
                if isinstance(value, str) and value.startswith("="):
                    problems.add(label, row_number, column, message=f"the cell is a formula "
                                 f"({_short(value)}); tables are read as values: copy the "
                                 "column and paste it as values")
                    text = ""
                cells.append(text)
            yield row_number, checked_cells(cells, table, row_number, problems)
    except Exception as exc:  # noqa: BLE001 - a sheet that breaks halfway
        problems.add(label, message=f"cannot be read further: {exc}")
    finally:
        book.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and "_x" in value:
        # OOXML writes a character XML cannot hold as _xHHHH_ (ESC is _x001B_), which
        # openpyxl leaves as it is: read it as Excel shows it, for the checks to see it.
        return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return str(value)


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def header_index(header: list[str]) -> dict[str, int]:
    """Header -> its 1-based column; the first of repeated headers."""
    found: dict[str, int] = {}
    for column, name in enumerate(header, 1):
        found.setdefault(name, column)
    return found


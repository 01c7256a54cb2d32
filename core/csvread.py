"""Reading real-world municipal CSV files: encoding sniffing and row/column error positions."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Issue:
    """One finding of an import, positioned as ``file:row:column`` (1-based; 0 = whole row/file)."""

    file: str
    row: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


class ImportFailed(Exception):
    """Unreadable data; ``errors`` lists every problem found. Nothing was written."""

    def __init__(self, errors: list[Issue]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Report:
    """What an import kept despite problems: ``warnings``, and (``--lenient``) the unreadable
    cells it ``skipped``."""

    warnings: list[Issue] = field(default_factory=list)
    stats: dict[str, int | str] = field(default_factory=dict)
    skipped: list[Issue] = field(default_factory=list)

    def warn(self, file: str, row: int, column: int, message: str) -> None:
        self.warnings.append(Issue(file, row, column, message))


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), else CP932. Returns (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                [_decode_issue(data[3:], exc, name, "UTF-8 (it starts with a UTF-8 BOM)")]
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            raise ImportFailed(
                [_decode_issue(data, utf8_error, name, "UTF-8 or CP932 (Shift_JIS)")]
            ) from None


def _decode_issue(data: bytes, exc: UnicodeDecodeError, name: str, tried: str) -> Issue:
    row = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    bad = data[exc.start : exc.start + 1].hex()
    return Issue(
        name, row, column, f"cannot decode the file as {tried}: byte 0x{bad} at byte column {column}"
    )


@dataclass
class Table:
    """A CSV file as rows of cells, each row with its line number in the file."""

    name: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    encoding: str


def read_table(path: Path, display_name: str | None = None) -> Table:
    name = display_name or path.name
    if not path.is_file():
        raise ImportFailed([Issue(name, 0, 0, "file not found")])
    text, encoding = decode(path.read_bytes(), name)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    header_line = 1
    try:
        start = 1
        for cells in reader:
            # A quoted cell may span lines: a record is named by its FIRST line.
            line, start = start, reader.line_num + 1
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header, header_line = cells, line
                continue
            if not any(c.strip() for c in cells):
                continue  # blank line
            rows.append((line, cells))
    except csv.Error as exc:
        raise ImportFailed([Issue(name, start, 0, f"malformed CSV: {exc}")]) from None
    if header is None:
        raise ImportFailed([Issue(name, 1, 0, "the file is empty (no header row)")])
    return Table(name=name, header=header, header_line=header_line, rows=rows, encoding=encoding)

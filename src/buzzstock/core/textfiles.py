"""Reading the text files sellers really have: the shop file, stock CSV, mention exports.

A file is read in two streaming passes and never held whole. The first pass refuses what is no
text file (a NUL byte, an Excel workbook, UTF-16 text), a file over ``MAX_FILE_BYTES`` and a line
over ``MAX_LINE_BYTES`` (so ``/dev/zero`` or a file without line breaks ends at once with a
message), and detects the encoding: UTF-8 (with or without the BOM Excel writes) if every byte
is valid UTF-8, else GB18030, the superset of GBK that Chinese Windows and Excel save by
default. A file that is neither is refused. The second pass yields the lines in that encoding.

Problems found in a file are reported together, each with the file, its line and its field
(``FileProblem``), and the import that found them changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from buzzstock.core.errors import InvalidInput

MAX_FILE_BYTES = 256 * 1024 * 1024
"""The largest file any import reads (256 MiB); split larger files."""
MAX_LINE_BYTES = 1024 * 1024
"""The longest line any import reads (1 MiB)."""

_CHUNK_BYTES = 1024 * 1024
_MIB = 1024 * 1024
_SAVE_AS_UTF8 = 'save it as UTF-8 text (in Excel: "CSV UTF-8 (comma delimited)")'


@dataclass(frozen=True)
class FileProblem:
    """One problem of a file: the field it is in, what is wrong, and its line where known."""

    field: str
    message: str
    line: int | None = None

    def describe(self, name: str) -> str:
        where = name if self.line is None else f"{name}: line {self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


def refusal(name: str, problems: Sequence[FileProblem]) -> InvalidInput:
    """Every problem of a file in one refusal (one line each); the caller changed nothing."""
    return InvalidInput(
        f"{name} has {len(problems)} problem(s); nothing was changed:\n  "
        + "\n  ".join(problem.describe(name) for problem in problems),
        errors=[problem.as_json() for problem in problems],
    )


@dataclass(frozen=True)
class TextFile:
    """A checked text file: its name for messages and its detected encoding."""

    name: str
    encoding: str
    """``utf-8``, ``utf-8-sig`` (UTF-8 with a BOM) or ``gb18030`` (also reads GBK and GB2312)."""
    path: Path
    copy: IO[bytes] | None = None
    """The checked bytes of a file that cannot be read twice (a pipe)."""

    def lines(self) -> Iterator[str]:
        """The lines with their line endings untranslated, as the ``csv`` module wants them."""
        with self._reopen() as raw, io.TextIOWrapper(raw, self.encoding, newline="") as text:
            try:
                yield from text
            except UnicodeDecodeError as error:
                raise InvalidInput(f"{self.name} changed while it was read; try again") from error

    def read(self) -> str:
        return "".join(self.lines())

    def _reopen(self) -> IO[bytes]:
        if self.copy is None:
            return self.path.open("rb")
        self.copy.seek(0)
        return os.fdopen(os.dup(self.copy.fileno()), "rb")


def open_text_file(
    path: Path, *, max_bytes: int = MAX_FILE_BYTES, max_line_bytes: int = MAX_LINE_BYTES
) -> TextFile:
    """Check ``path`` in one streaming pass (see the module doc); refuse it with a clear message.

    A file that cannot be read twice (a pipe such as ``/dev/stdin``) is copied to a temporary
    file during the check.
    """
    name = str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as error:
        raise InvalidInput(f"{name} does not exist") from error
    except OSError as error:
        raise InvalidInput(f"cannot read {name}: {error.strerror}") from error
    if stat.S_ISDIR(mode):
        raise InvalidInput(f"{name} is a directory, not a file")
    copy: IO[bytes] | None = (
        None if stat.S_ISREG(mode) else tempfile.TemporaryFile()  # noqa: SIM115 - lives in TextFile
    )
    scan = _Scan(name, max_bytes, max_line_bytes)
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                scan.feed(chunk)
                if copy is not None:
                    copy.write(chunk)
        encoding = scan.finish()
    except OSError as error:
        if copy is not None:
            copy.close()
        raise InvalidInput(f"cannot read {name}: {error.strerror}") from error
    except InvalidInput:
        if copy is not None:
            copy.close()
        raise
    return TextFile(name, encoding, path, copy)


def read_text_file(path: Path) -> str:
    """The whole text of a small file (a shop file, a watch list), checked and decoded."""
    return open_text_file(path).read()


class _Scan:
    """The first pass: size, line length, binary content and which encodings still fit."""

    def __init__(self, name: str, max_bytes: int, max_line_bytes: int) -> None:
        self.name = name
        self.max_bytes = max_bytes
        self.max_line_bytes = max_line_bytes
        self.size = 0
        self.line = 1
        self.line_bytes = 0
        self.bom = False
        self.utf8: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
        self.utf8_fails_at = 0
        self.gb18030: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("gb18030")()

    def feed(self, chunk: bytes) -> None:
        if self.size == 0:
            self._check_start(chunk)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise InvalidInput(
                f"{self.name} is larger than {self.max_bytes // _MIB} MiB; split it into "
                "smaller files"
            )
        nul = chunk.find(b"\0")
        if nul >= 0:
            line = self.line + chunk.count(b"\n", 0, nul)
            raise InvalidInput(
                f"{self.name}: line {line}: a NUL byte: this is a binary file, not text "
                "(CSV, JSON Lines, TOML or YAML)"
            )
        self._check_lines(chunk)
        self._decode(chunk, final=False)
        self.line += chunk.count(b"\n")

    def finish(self) -> str:
        self._decode(b"", final=True)
        if self.utf8 is not None:
            return "utf-8-sig" if self.bom else "utf-8"
        return "gb18030"

    def _check_start(self, chunk: bytes) -> None:
        if chunk.startswith(b"PK\x03\x04"):
            raise InvalidInput(
                f"{self.name} is an Excel workbook or other archive; {_SAVE_AS_UTF8}"
            )
        if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InvalidInput(f"{self.name} is UTF-16 text; {_SAVE_AS_UTF8}")
        self.bom = chunk.startswith(codecs.BOM_UTF8)

    def _check_lines(self, chunk: bytes) -> None:
        parts = chunk.split(b"\n")
        lengths = [self.line_bytes + len(parts[0]), *(len(part) for part in parts[1:])]
        longest = max(lengths)
        if longest > self.max_line_bytes:
            line = self.line + lengths.index(longest)
            raise InvalidInput(
                f"{self.name}: line {line} is longer than {self.max_line_bytes // 1024} KiB: "
                "this is not a line-based text file"
            )
        self.line_bytes = lengths[-1]

    def _decode(self, chunk: bytes, *, final: bool) -> None:
        if self.utf8 is not None:
            try:
                self.utf8.decode(chunk, final)
            except UnicodeDecodeError as error:
                self.utf8 = None
                self.utf8_fails_at = self.line + chunk.count(b"\n", 0, error.start)
        if self.gb18030 is not None:
            try:
                self.gb18030.decode(chunk, final)
            except UnicodeDecodeError:
                self.gb18030 = None
        if self.utf8 is None and self.gb18030 is None:
            raise InvalidInput(
                f"{self.name}: line {self.utf8_fails_at} is neither UTF-8 nor GB18030/GBK text; "
                f"{_SAVE_AS_UTF8}"
            )


def excel_csv(lines: Iterable[str]) -> csv.DictReader[str]:
    """CSV as spreadsheets write it: the delimiter is the header's comma, semicolon (Excel in
    many European locales) or tab, and column names are stripped of spaces."""
    rows = iter(lines)
    header = next(rows, "")
    delimiter = max(
        (",", ";", "\t"), key=lambda candidate: (header.count(candidate), candidate == ",")
    )
    reader = csv.DictReader(itertools.chain([header], rows), delimiter=delimiter)
    if reader.fieldnames is not None:
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
    return reader

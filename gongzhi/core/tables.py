"""Reading a spreadsheet someone uploads (.xlsx, .xls or .csv in UTF-8 or GBK) into rows of text
cells: ledgers, bank statements, ballot sheets, notice tables, the working-day calendar."""

import csv
import io
import json
import posixpath
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from django.conf import settings
from python_calamine import CalamineWorkbook

from gongzhi.core.errors import InvalidInput

FILE_TOO_BIG = "文件过大（上限{mb}MB） / The file is too large (limit {mb} MB)"
TABLE_TOO_LARGE = ("表格过大：每张工作表最多 {rows} 行、{cols} 列 / The sheet is too large: at most {rows} rows "
                   "and {cols} columns per sheet")
FILE_INFLATED = ("文件解压后过大或压缩比异常（解压后最多 {mb}MB，压缩比最多 {ratio}:1） / The file expands too much "
                 "when unzipped (at most {mb} MB, compression ratio at most {ratio}:1)")
FILE_UNREADABLE = "无法读取该文件，请上传 .xlsx、.xls 或 .csv 文件 / Cannot read the file: upload an .xlsx, .xls or .csv file"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- the extent of a sheet, checked before calamine sees it -----------------------------------------------
# calamine builds a dense grid from the first to the last cell (and reserves room for the declared
# <dimension>): cells at A1 and XFD1048576 ask for 17 billion cells and abort the process, which no
# `except` catches. So the zip is looked at first: what each member expands to, and every sheet's
# declared and actual extent, read as a stream.
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_MEMBERS = 10_000
MAX_SMALL_PART = 4 * 1024 * 1024  # workbook.xml and its relationships
RATIO_FLOOR = 1024 * 1024  # members smaller than this expand as they like
CHUNK = 1024 * 1024
SHEET_TYPES = ("/worksheet", "/macrosheet", "/dialogsheet")
SHEET_MEMBER = re.compile(r"^xl/(?:worksheets|macrosheets|dialogsheets)/[^/]+\.xml$", re.IGNORECASE)
# an opening tag <row ...>, <c ...> or <dimension ...>, with or without a namespace prefix
TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)(?=[\s/>])([^>]*)>")
ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
ATTR_REF = re.compile(rb"""(?:^|\s)ref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
CELL_REF = re.compile(rb"^\$?([A-Za-z]{1,7})\$?([0-9]{1,10})$")
_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
DIMENSION_TAG = re.compile(_PREFIX + rb"dimension(?=[\s/>])[^>]*>")
# the way Excel, WPS, LibreOffice and openpyxl write a cell: <c r="B12" ...>; any other spelling is
# read tag by tag
CELL_WITH_R = re.compile(rb'<c r="([A-Z]{1,7})([0-9]{1,10})"')



class _TooLarge(Exception):
    pass


def _limits() -> tuple[int, int]:
    return settings.GONGZHI_IMPORT_MAX_ROWS, settings.GONGZHI_IMPORT_MAX_COLUMNS


def _too_large() -> InvalidInput:
    rows, cols = _limits()
    return InvalidInput(TABLE_TOO_LARGE.format(rows=rows, cols=cols))


def _inflated() -> InvalidInput:
    return InvalidInput(FILE_INFLATED.format(mb=settings.GONGZHI_IMPORT_MAX_UNZIPPED_BYTES // (1024 * 1024),
                                             ratio=settings.GONGZHI_IMPORT_MAX_ZIP_RATIO))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _attr(pattern, attrs: bytes) -> bytes | None:
    found = pattern.search(attrs)
    return None if found is None else (found.group(1) if found.group(1) is not None else found.group(2))


def _check_reference(ref: bytes, max_rows: int, max_cols: int) -> tuple[int, int]:
    """(row, column) of a reference such as B12; beyond the limits (or unreadable) is too large."""
    found = CELL_REF.match(ref.strip())
    if found is None:
        raise _TooLarge
    row, col = int(found.group(2)), _column_number(found.group(1))
    if row > max_rows or col > max_cols:
        raise _TooLarge
    return row, col


def _scan_tags(text: bytes, state: list[int], max_rows: int, max_cols: int) -> None:
    """Tag by tag: a row without r="12" is the one after the last, a cell without r="B12" the one
    after the last in its row. `state` is [row, column] carried from chunk to chunk."""
    row, col = state
    for tag in TAG.finditer(text):
        name, attrs = tag.group(1), tag.group(2)
        if name == b"dimension":
            ref = _attr(ATTR_REF, attrs)
            for corner in (ref or b"").split(b":"):
                if corner.strip():
                    _check_reference(corner, max_rows, max_cols)
        elif name == b"row":
            r = _attr(ATTR_R, attrs)
            row = int(r) if r is not None and r.strip().isdigit() else row + 1
            col = 0  # an empty row far down (a formatted one) is harmless; its cells are not
        else:
            r = _attr(ATTR_R, attrs)
            if r is not None:
                row, col = _check_reference(r, max_rows, max_cols)
            else:
                col += 1
            if row > max_rows or col > max_cols:
                raise _TooLarge
    state[:] = [row, col]


def _scan_referenced(text: bytes, state: list[int], max_rows: int, max_cols: int) -> bool:
    """The common case at C speed: when every cell of the chunk carries its reference, the largest
    row number and the distinct column letters are all there is to check. False when some cell does
    not (then the chunk is read tag by tag)."""
    cells = CELL_WITH_R.findall(text)
    if len(cells) != sum(text.count(b"<c" + end) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r")):
        return False
    for dimension in DIMENSION_TAG.finditer(text):
        _scan_tags(dimension.group(0), [0, 0], max_rows, max_cols)
    if cells:
        letters, numbers = zip(*cells, strict=True)
        if max(map(int, numbers)) > max_rows or max(map(_column_number, set(letters))) > max_cols:
            raise _TooLarge
        state[:] = [int(numbers[-1]), _column_number(letters[-1])]
    return True


def _scan_sheet(stream, max_rows: int, max_cols: int, max_bytes: int) -> None:
    """Read a sheet's XML as a stream, in bounded chunks: the declared <dimension ref="A1:B2"/> and
    every cell's r="B12" (or, where r is left out, its position) stay in bounds."""
    state = [0, 0]
    read = 0
    pending = b""
    while True:
        chunk = stream.read(CHUNK)
        read += len(chunk)
        if read > max_bytes:
            raise _TooLarge
        pending += chunk
        cut = len(pending) if not chunk else pending.rfind(b"<")
        if cut <= 0 and chunk:
            continue
        text, pending = pending[:cut], pending[cut:]
        if not _scan_referenced(text, state, max_rows, max_cols):
            _scan_tags(text, state, max_rows, max_cols)
        if not chunk:
            return


def _sheet_members(book: zipfile.ZipFile) -> set[str]:
    """The workbook's sheets: what xl/_rels/workbook.xml.rels names as sheets, and xl/worksheets/*.xml."""
    names = {info.filename for info in book.infolist() if SHEET_MEMBER.match(info.filename)}
    try:
        rels = book.getinfo("xl/_rels/workbook.xml.rels")
    except KeyError:
        return names
    if rels.file_size > MAX_SMALL_PART:
        raise _TooLarge
    with book.open(rels) as stream:
        root = ET.fromstring(stream.read(MAX_SMALL_PART + 1))
    for rel in root:
        if str(rel.get("Type", "")).endswith(SHEET_TYPES) and rel.get("Target"):
            target = rel.get("Target")
            names.add(target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target)))
    return names


def check_xlsx_extent(data: bytes) -> None:
    """Refuse, before parsing, a workbook that would expand beyond the limits: a zip member larger than
    GONGZHI_IMPORT_MAX_UNZIPPED_BYTES (or all of them together) or compressed more than
    GONGZHI_IMPORT_MAX_ZIP_RATIO to one; a sheet declaring or holding a cell beyond
    GONGZHI_IMPORT_MAX_ROWS rows or GONGZHI_IMPORT_MAX_COLUMNS columns."""
    max_rows, max_cols = _limits()
    max_bytes, max_ratio = settings.GONGZHI_IMPORT_MAX_UNZIPPED_BYTES, settings.GONGZHI_IMPORT_MAX_ZIP_RATIO
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        members = book.infolist()
        if len(members) > MAX_MEMBERS:
            raise _inflated()
        total = 0
        for info in members:
            total += info.file_size
            if info.file_size > max_bytes or total > max_bytes:
                raise _inflated()
            if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
                raise _inflated()
        for name in sorted(_sheet_members(book)):
            try:
                info = book.getinfo(name)
            except KeyError:
                continue
            with book.open(info) as stream:
                _scan_sheet(stream, max_rows, max_cols, min(max_bytes, info.file_size))
    except _TooLarge:
        raise _too_large() from None
    except InvalidInput:
        raise
    except Exception as exc:  # not a zip, a broken member, XML that is not XML
        raise InvalidInput(FILE_UNREADABLE) from exc


# A .xls (BIFF) is read in a child interpreter whose address space is capped: whatever the file holds,
# the worst it can do is kill the child. The child prints the rows as JSON, or exits 3 when the sheet
# is beyond the limits.
XLS_CHILD = r"""
import io, json, resource, sys
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from python_calamine import CalamineWorkbook
max_rows, max_cols = int(sys.argv[1]), int(sys.argv[2])
try:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read())).get_sheet_by_index(0)
except MemoryError:
    sys.exit(3)
except Exception:
    sys.exit(4)
if max(sheet.height, sheet.total_height) > max_rows or max(sheet.width, sheet.total_width) > max_cols:
    sys.exit(3)
def cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
json.dump([[cell(v) for v in row] for row in sheet.iter_rows()], sys.stdout, ensure_ascii=True)
"""
XLS_TIMEOUT_SECONDS = 120


def _read_xls(data: bytes) -> list[list[str]]:
    max_rows, max_cols = _limits()
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", XLS_CHILD, str(max_rows), str(max_cols),
             str(settings.GONGZHI_IMPORT_XLS_MEMORY_BYTES)],
            input=data, capture_output=True, timeout=XLS_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise _too_large() from exc
    if done.returncode == 0:
        return json.loads(done.stdout)
    if done.returncode == 4:
        raise InvalidInput(FILE_UNREADABLE)
    raise _too_large()  # 3, a MemoryError, or killed by a signal (an allocation the cap refused)


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of cells as text, header first, from .xlsx or .csv bytes."""
    if len(data) > settings.GONGZHI_IMPORT_MAX_BYTES:
        raise InvalidInput(FILE_TOO_BIG.format(mb=settings.GONGZHI_IMPORT_MAX_BYTES // (1024 * 1024)))
    suffix = Path(filename).suffix.lower()
    try:
        if suffix == ".csv":
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise InvalidInput(FILE_UNREADABLE)
            return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        if suffix in (".xls", ".xlsx", ".xlsm"):  # .xls: Excel 97-2003, still what many offices save
            # Which format it is, the bytes say, not the name; anything else calamine is never shown.
            if data.startswith(OLE_MAGIC):
                return _read_xls(data)
            if not data.startswith(ZIP_MAGIC):
                raise InvalidInput(FILE_UNREADABLE)
            check_xlsx_extent(data)
            # calamine (Rust) reads a 100,000-row sheet in 0.2 s where openpyxl takes 3 s.
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return [[_cell(v) for v in row] for row in book.get_sheet_by_index(0).to_python()]
    except InvalidInput:
        raise
    except Exception as exc:  # a broken spreadsheet: zip, xml or csv errors of every kind
        raise InvalidInput(FILE_UNREADABLE) from exc
    raise InvalidInput(FILE_UNREADABLE)

"""Excel files for download (ledgers, the audit trail, every staff list)."""

import io
import tempfile

from django.http import FileResponse, HttpResponse
from openpyxl import Workbook

from gongzhi.core import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, headers: list[str], rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(data: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{clock.today():%Y%m%d}.xlsx"'
    return response


EXPORT_MAX_ROWS = 1_000_000  # one sheet holds 1,048,576 rows; a list longer than this is cut with a note
EXPORT_CUT = "（仅导出前 {n} 行，请缩小筛选范围）"


def xlsx_stream(title: str, headers: list[str], rows, stem: str) -> FileResponse:
    """A list as an .xlsx download whose memory does not grow with the rows: openpyxl's write-only
    workbook spools the sheet to a temporary file as rows arrive (pass a generator over
    `queryset.iterator()`), and the finished file is sent in chunks, then deleted."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(headers)
    for count, row in enumerate(rows, start=1):
        if count > EXPORT_MAX_ROWS:
            sheet.append([EXPORT_CUT.format(n=EXPORT_MAX_ROWS)])
            break
        sheet.append(row)
    spool = tempfile.TemporaryFile()  # removed when the response closes it
    book.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{stem}-{clock.today():%Y%m%d}.xlsx", content_type=XLSX)

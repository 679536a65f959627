"""Excel downloads of the books: sums as numbers in 元 (not fen) with the format '#,##0.00', so a sheet
shows 1,234.50 and still adds up; accounts by their Chinese name beside the code."""

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from gongzhi.finance.models import Entry

MONEY_FORMAT = "#,##0.00"


def in_yuan(amount_fen: int) -> Decimal:
    """123450 fen → Decimal("1234.50"): the value a money cell holds."""
    return Decimal(amount_fen) / 100


def _sheet(title: str, headers: list[str], rows, money_columns: set[int]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i in money_columns and value is not None:
                cell = WriteOnlyCell(sheet, value=in_yuan(value))
                cell.number_format = MONEY_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


JOURNAL_HEADERS = ["日期", "凭证号", "摘要", "对方户名", "科目代码", "科目名称", "借方（元）", "贷方（元）"]
BILL_HEADERS = ["房号", "月份", "计费面积(m²)", "应收（元）", "已收（元）", "欠费（元）", "状态"]


def journal_xlsx(estate, start: datetime.date, end: datetime.date) -> bytes:
    """Every entry posted in [start, end], one row each (the caller has checked the reader)."""
    entries = (Entry.objects.filter(transaction__estate=estate, transaction__date__gte=start, transaction__date__lte=end)
               .select_related("transaction", "account").order_by("transaction__date", "transaction_id", "id"))
    rows = ([e.transaction.date.isoformat(), e.transaction_id, e.transaction.memo, e.transaction.counterparty,
             e.account.code, e.account.name, e.debit or None, e.credit or None] for e in entries)
    return _sheet("凭证", JOURNAL_HEADERS, rows, money_columns={6, 7})


def bills_xlsx(bills) -> bytes:
    """Fee bills as listed on the fees page (the caller passes what the reader may see)."""
    rows = ([b.unit.code, f"{b.month:%Y-%m}", b.area if b.area is not None else b.unit.area, b.amount, b.paid, b.due,
             "已作废" if b.reversed_at else ("已结清" if b.due == 0 else "欠费")] for b in bills)
    return _sheet("物业费账单", BILL_HEADERS, rows, money_columns={3, 4, 5})

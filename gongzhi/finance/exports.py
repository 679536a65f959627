"""Excel downloads of the books: sums as numbers in 元 (not fen) with the format '#,##0.00', so a sheet
shows 1,234.50 and still adds up; accounts by their Chinese name beside the code. The desk's alerts,
the seal register and the expenses are streamed (core.exports.xlsx_stream), their free text masked
for the viewer as the pages mask it."""

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from gongzhi.core import clock
from gongzhi.core.exports import xlsx_stream
from gongzhi.core.masking import redact
from gongzhi.core.scoping import scope_for
from gongzhi.finance.models import Entry, Expense

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


# --- the supervisor's desk, the seal register, the vouchers: streamed, free text masked per viewer ----
ALERT_HEADERS = ["小区", "类型", "说明", "发生时间", "链接", "状态", "查看人", "查看时间", "备注"]
SEAL_REGISTER_HEADERS = ["小区", "印章", "保管人", "保管起始", "存放", "当前借出（用印文件）", "借出申请人", "借出时间",
                         "交接中"]
EXPENSE_HEADERS = ["申请时间", "审批单号", "用途", "收款方", "类别", "金额（元）", "状态", "疑似拆分", "报价情况", "付款凭证号"]


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _local(when) -> str:
    return clock.local(when).strftime("%Y-%m-%d %H:%M") if when else ""


def alerts_xlsx(request, alerts):
    """The alerts as the desk lists them (the caller passes what the viewer may see); what people typed
    (the alert's text, the note) with phone and ID numbers masked unless the viewer may read them."""

    def rows():
        for a in alerts:
            review = a.review  # a.text and a.note come masked for the viewer (selectors.alerts)
            yield [a.estate_name, a.kind_label, a.text, a.at_text, request.build_absolute_uri(a.link),
                   "已查看" if review else "未查看", _name(review.reviewed_by) if review else "",
                   _local(review.reviewed_at) if review else "", a.note]

    return xlsx_stream("预警", ALERT_HEADERS, rows(), "alerts")


def seal_register_xlsx(request, community, seals):
    """The community's seal register as its page shows it (the caller has checked the reader)."""
    scope = scope_for(request.user)

    def rows():
        for seal in seals:
            out = seal.out_with
            shown = scope.contacts_shown(seal.estate_id)
            yield [seal.estate.name, seal.get_kind_display(), _name(seal.custodian), _local(seal.custodian_since),
                   "社区代管箱" if seal.kept_by_community else "保管人处", redact(out.document, shown) if out else "",
                   _name(out.requested_by) if out else "", _local(out.released_at) if out else "",
                   "；".join(f"待{_name(h.receiver)}确认" for h in seal.open_handovers)]

    return xlsx_stream("印章保管台账", SEAL_REGISTER_HEADERS, rows(), f"seals-{community.pk}")


def expenses_xlsx(request, estate):
    """Every expense of the estate, newest first: what was asked, for whom, its state and the voucher it
    was paid with (the caller has checked the reader); free text masked for the viewer."""
    shown = scope_for(request.user).contacts_shown(estate.pk)
    expenses = Expense.objects.filter(estate=estate).order_by("-created_at", "-id")

    def rows():
        for e in expenses.iterator(chunk_size=2000):
            yield [_local(e.created_at), e.approval_id, redact(e.purpose, shown), redact(e.payee, shown),
                   e.get_category_display(), in_yuan(e.amount), e.get_status_display(), "是" if e.split_suspect else "",
                   redact(e.quotes, shown), e.transaction_id or ""]

    return xlsx_stream("支出凭证", EXPENSE_HEADERS, rows(), f"expenses-{estate.pk}")

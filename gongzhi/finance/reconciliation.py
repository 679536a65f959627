"""收必进账入库: bank statements imported and matched against the journal.

Each recorded income must meet a deposit and each payment a withdrawal: the matcher proposes the
pairs (same amount, nearest date within a window), staff confirm them; income not deposited within
GONGZHI_DEPOSIT_DAYS, and bank movements with no entry, are alerts.
"""

import bisect
import datetime
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, NotFound, WrongState
from gongzhi.core.scoping import scope_for
from gongzhi.finance.models import BANK, BankLine, Entry, Transaction
from gongzhi.finance.services import BOOKKEEPERS, _estate
from gongzhi.places.ledger import header_map, read_table

COLUMNS = {
    "date": ("交易日期", "日期", "date"),
    "income": ("收入金额", "贷方发生额", "收入", "credit", "deposit"),
    "spending": ("支出金额", "借方发生额", "支出", "debit", "withdrawal"),
    "counterparty": ("对方户名", "对方名称", "counterparty"),
    "memo": ("摘要", "用途", "memo"),
}
ROW_ERROR = "第 {line} 行：{reason}"
MATCH_WINDOW_DAYS = 7
ALREADY_MATCHED = "该银行流水或凭证已经对账 / The bank line or the transaction is already matched"
NOT_SAME = "金额或方向不一致，不能对账 / Amount or direction differ: they cannot be matched"


def _date(text: str) -> datetime.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")[:10]
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _fen(text: str) -> int | None:
    text = (text or "").replace(",", "").strip()
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def parse_statement(data: bytes, filename: str) -> list[tuple[datetime.date, int, str, str]]:
    """(date, signed fen, counterparty, memo) per row; every bad row reported at once, or nothing."""
    table = read_table(data, filename)
    columns = header_map(table[0] if table else [], COLUMNS)
    if not {"date", "income", "spending"} <= set(columns):
        raise InvalidInput("银行流水须有 交易日期、收入金额、支出金额 列 / The statement needs date, income and "
                           "spending columns")
    rows, errors = [], []
    for line, raw in enumerate(table[1:], start=2):
        cell = {k: (raw[i].strip() if i < len(raw) else "") for k, i in columns.items()}
        if not any(cell.values()):
            continue
        day, income, spending = _date(cell["date"]), _fen(cell["income"]), _fen(cell["spending"])
        if day is None:
            errors.append(ROW_ERROR.format(line=line, reason="日期无法识别 / unreadable date"))
        elif income is None or spending is None:
            errors.append(ROW_ERROR.format(line=line, reason="金额无法识别 / unreadable amount"))
        elif (income > 0) == (spending > 0):
            errors.append(ROW_ERROR.format(line=line, reason="收入与支出须且只能填一项 / one of income or spending"))
        else:
            rows.append((day, income or -spending, cell.get("counterparty", ""), cell.get("memo", "")))
    if errors:
        raise InvalidInput("\n".join(errors[:50]) + (f"\n…共 {len(errors)} 处" if len(errors) > 50 else ""))
    return rows


@transaction.atomic
def bank_import(actor, *, estate_id: int, data: bytes, filename: str) -> int:
    """Import a statement; lines already imported (the same statement twice) are skipped."""
    estate = _estate(actor, estate_id, BOOKKEEPERS)
    rows = parse_statement(data, filename)
    seen = Counter()
    lines = []
    for day, amount, counterparty, memo in rows:
        key = (day, amount, counterparty, memo)
        seen[key] += 1  # identical lines on one statement are distinct movements
        digest = hashlib.sha256(f"{day}|{amount}|{counterparty}|{memo}|{seen[key]}".encode()).hexdigest()
        lines.append(BankLine(estate=estate, date=day, amount=amount, counterparty=counterparty[:200],
                              memo=memo[:200], digest=digest))
    before = BankLine.objects.filter(estate=estate).count()
    BankLine.objects.bulk_create(lines, batch_size=5000, ignore_conflicts=True)
    added = BankLine.objects.filter(estate=estate).count() - before
    audit_record(actor, "bank.import", estate, after={"file": filename[:100], "rows": len(rows), "added": added})
    return added


@dataclass
class Suggestion:
    line_id: int
    transaction_id: int
    days_apart: int


def _bank_movements(estate) -> list[tuple[int, datetime.date, int]]:
    """(transaction id, date, signed fen on the bank account) for transactions not yet matched."""
    rows = (Entry.objects.filter(account__estate=estate, account__code=BANK, transaction__bank_line__isnull=True)
            .values_list("transaction_id", "transaction__date", "debit", "credit"))
    return [(tx, day, debit - credit) for tx, day, debit, credit in rows]


def suggest(estate) -> list[Suggestion]:
    """Pair unmatched bank lines with unmatched transactions: same signed amount, nearest date
    within the window, each used once (earliest lines first)."""
    pool: dict[int, list[tuple[int, int]]] = defaultdict(list)  # amount -> sorted [(ordinal, tx id)]
    for tx, day, amount in _bank_movements(estate):
        pool[amount].append((day.toordinal(), tx))
    for candidates in pool.values():
        candidates.sort()
    found = []
    lines = BankLine.objects.filter(estate=estate, transaction__isnull=True).order_by("date", "id")
    for line_id, day, amount in lines.values_list("id", "date", "amount"):
        candidates = pool.get(amount)
        if not candidates:
            continue
        target = day.toordinal()
        i = bisect.bisect_left(candidates, (target, -1))
        best = min((c for c in (i - 1, i) if 0 <= c < len(candidates)),
                   key=lambda c: abs(candidates[c][0] - target), default=None)
        if best is None or abs(candidates[best][0] - target) > MATCH_WINDOW_DAYS:
            continue
        ordinal, tx = candidates.pop(best)
        found.append(Suggestion(line_id, tx, abs(ordinal - target)))
    return found


@transaction.atomic
def confirm(actor, *, pairs: list[tuple[int, int]]) -> int:
    """Staff confirm matches (bank line id, transaction id) — all or none; each pair must have the
    same signed amount and neither side may be matched already. Checked in bulk (a year's
    statement is confirmed at once)."""
    if not pairs:
        return 0
    scope = scope_for(actor)
    line_ids = [line for line, _ in pairs]
    lines = {b.pk: b for b in BankLine.objects.select_for_update().filter(estate__in=scope.estates(), pk__in=line_ids)}
    if len(lines) != len(set(line_ids)):
        raise NotFound()  # a line missing or not the actor's to see
    for estate_id in {b.estate_id for b in lines.values()}:
        _estate(actor, estate_id, BOOKKEEPERS)
    tx_ids = [tx for _, tx in pairs]
    if len(set(tx_ids)) != len(tx_ids) or any(b.transaction_id for b in lines.values()) or \
            BankLine.objects.filter(transaction_id__in=tx_ids).exists():
        raise WrongState(ALREADY_MATCHED)
    estates = dict(Transaction.objects.filter(pk__in=tx_ids).values_list("pk", "estate_id"))
    movement = defaultdict(int)
    for tx, debit, credit in Entry.objects.filter(transaction_id__in=tx_ids, account__code=BANK).values_list(
            "transaction_id", "debit", "credit"):
        movement[tx] += debit - credit
    for line_id, tx in pairs:
        line = lines[line_id]
        if estates.get(tx) != line.estate_id or movement[tx] != line.amount:
            raise InvalidInput(NOT_SAME)
        line.transaction_id, line.confirmed_by = tx, actor
    BankLine.objects.bulk_update(list(lines.values()), ["transaction", "confirmed_by"], batch_size=2000)
    for estate_id in {b.estate_id for b in lines.values()}:
        estate = next(b.estate for b in lines.values() if b.estate_id == estate_id)
        audit_record(actor, "bank.reconcile", estate,
                     after={"pairs": [list(p) for p in pairs if lines[p[0]].estate_id == estate_id][:1000],
                            "count": sum(1 for p in pairs if lines[p[0]].estate_id == estate_id)})
    return len(pairs)


def unreconciled(estate, today: datetime.date | None = None) -> dict:
    """Income recorded but not seen on the bank within the allowed days, and bank movements with no entry."""
    today = today or clock.today()
    limit = today - datetime.timedelta(days=settings.GONGZHI_DEPOSIT_DAYS)
    movements = _bank_movements(estate)
    return {
        "income_not_deposited": [(tx, day, amount) for tx, day, amount in movements if amount > 0 and day < limit],
        "payments_not_seen": [(tx, day, amount) for tx, day, amount in movements if amount < 0 and day < limit],
        "bank_without_entry": list(BankLine.objects.filter(estate=estate, transaction__isnull=True, date__lt=limit)
                                   .values_list("id", "date", "amount", "counterparty")),
    }

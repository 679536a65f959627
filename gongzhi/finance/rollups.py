"""The money figures' rows (core.tallies): fees billed and collected by estate and month, common income and
spending by account and local day. The dashboard's money section sums these instead of a city's bills."""

from gongzhi.core.choices import Grain
from gongzhi.core.tallies import Source

# A bill counts for the month it bills, as long as it is not reversed (作废); what was paid moves with it.
FEES = Source("fees", "finance_feebill", {"billed": "r.amount", "paid": "r.paid"}, day="r.month",
              where="r.reversed_at IS NULL", grains=(Grain.MONTH,))

# Income and spending accounts only (the bank and the payables are balances, not flows). Entries and
# their transactions are append-only (a correction is a reversing transaction), so what is read through
# the joins is fixed when the entry is written.
JOURNAL = Source("journal", "finance_entry", {"debit": "r.debit", "credit": "r.credit"}, day="t.date", key="a.code",
                 where="substr(a.code, 1, 7) = 'income:' OR substr(a.code, 1, 8) = 'expense:'",
                 joins="JOIN finance_transaction t ON t.id = r.transaction_id "
                       "JOIN finance_ledgeraccount a ON a.id = r.account_id",
                 estate="t.estate_id")

SOURCES = (FEES, JOURNAL)

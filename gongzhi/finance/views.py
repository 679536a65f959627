"""Pages of 业账社管: an estate's money, one page per section (the journal — the overview at the old
address —, expenses, seals, fees, the maintenance fund, 三审 and accountability) under one section
nav; the discipline supervisor's desk; and an owner's own fees.

Each section's forms post to the section's own address and come back to it (POST-redirect-GET).
A form is shown only when finance.rules lets the user submit it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import ServiceContract
from gongzhi.core import clock, registry
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.exports import xlsx_response
from gongzhi.core.figures import place_get
from gongzhi.core.masking import redact
from gongzhi.core.money import yuan
from gongzhi.core.scoping import scope_for
from gongzhi.core.web import attempt as _attempt
from gongzhi.core.web import posted_action, posted_date, posted_ids
from gongzhi.core.web import posted_id as _int
from gongzhi.finance import exports, forms, printing, rules, selectors
from gongzhi.finance.choices import AuditAction, HandoverStatus, SealKind, account_name
from gongzhi.finance.models import (
    AccountabilityCase,
    AuditPeriod,
    Expense,
    FeeBill,
    FeePayment,
    FeeRate,
    FundApplication,
    ReviewLevel,
    Seal,
    SealHandover,
    SealUse,
    Transaction,
)
from gongzhi.finance.services import alerts as alert_svc
from gongzhi.finance.services import audits, expenses, fees, fund, journal, reconciliation, seals
from gongzhi.places.models import Estate

DONE = _("已完成")
REVIEWED = _("已标记为已查看")
BANK_FILE_REQUIRED = "请选择银行流水文件 / Choose the bank statement file"
BILLED = "已生成 {n} 张账单 / {n} bills made"
BAD_DATE = "日期格式不正确，请写作 YYYY-MM-DD / Write the date as YYYY-MM-DD"


def _day(value, default=None):
    """A posted date: missing means the default (today); malformed or impossible is refused."""
    if not (value or "").strip():
        return default or clock.today()
    day = posted_date(value)
    if day is None:
        raise InvalidInput(BAD_DATE, field="date")
    return day


def _upload(request, name: str):
    """bank_lines_import's arguments from the posted file, or None when no file came (nothing to do)."""
    upload = request.FILES.get(name)
    return (upload.read(), upload.name) if upload is not None else None


# --- the actions, by section: each reads its posted fields and calls one service --------------------
def _bank(request, estate):
    upload = _upload(request, "file")
    if upload is None:
        raise InvalidInput(BANK_FILE_REQUIRED, field="file")  # never "已完成" for an import of nothing
    return reconciliation.bank_lines_import(request.user, estate_id=estate.pk, data=upload[0], filename=upload[1])


def _month(value):
    """A posted month, "YYYY-MM" (a month input) or a date: the first of that month stays for the service
    to check; malformed is refused."""
    text = (value or "").strip()
    if len(text) == 7 and text[4] == "-":
        text += "-01"
    day = posted_date(text)
    if day is None:
        raise InvalidInput("月份格式不正确，请写作 YYYY-MM / Write the month as YYYY-MM", field="effective_from")
    return day


def _bill(request, estate):
    added = fees.bills_issue(request.user, estate_id=estate.pk, month=_day(request.POST.get("month")))
    messages.info(request, BILLED.format(n=added))
    return added


def _pairs(post):
    return [(_int(p.split(":")[0]) or 0, _int(p.split(":")[1]) or 0) for p in post.getlist("pair") if ":" in p]


ACTIONS = {
    "journal": {
        "income": lambda r, e: journal.income_record(
            r.user, estate_id=e.pk, category=r.POST.get("category", ""), amount=r.POST.get("amount", ""),
            date=_day(r.POST.get("date")), memo=r.POST.get("memo", ""), payer=r.POST.get("payer", "")),
        "reverse": lambda r, e: journal.transaction_reverse(r.user, transaction_id=_int(r.POST.get("transaction")) or 0,
                                                memo=r.POST.get("memo", "")),
        "publish": lambda r, e: journal.statement_publish(r.user, estate_id=e.pk, start=_day(r.POST.get("start")),
                                                          end=_day(r.POST.get("end"))),
        "bank": _bank,
        "confirm": lambda r, e: reconciliation.reconciliation_confirm(r.user, pairs=_pairs(r.POST)),
    },
    "expenses": {
        "expense": lambda r, e: expenses.expense_request(
            r.user, estate_id=e.pk, amount=r.POST.get("amount", ""), purpose=r.POST.get("purpose", ""),
            payee=r.POST.get("payee", ""), category=r.POST.get("category", ""), quotes=r.POST.get("quotes", ""),
            matter_id=_int(r.POST.get("matter")), vote_id=_int(r.POST.get("vote")),
            attachment=r.FILES.get("attachment")),
        "pay": lambda r, e: expenses.expense_pay(r.user, expense_id=_int(r.POST.get("expense")) or 0),
    },
    "seals": {
        "seal_request": lambda r, e: seals.seal_use_request(
            r.user, seal_id=_int(r.POST.get("seal")) or 0, document=r.POST.get("document", ""),
            purpose=r.POST.get("purpose", ""), both=bool(r.POST.get("both")), matter_id=_int(r.POST.get("matter"))),
        "seal_release": lambda r, e: seals.seal_release(r.user, use_id=_int(r.POST.get("use")) or 0),
        "seal_return": lambda r, e: seals.seal_return(r.user, use_id=_int(r.POST.get("use")) or 0,
                                                      scan=r.FILES.get("scan")),
        "seal_register": lambda r, e: seals.seal_register(
            r.user, estate_id=e.pk, kind=r.POST.get("kind", ""), custodian_id=_int(r.POST.get("custodian")) or 0,
            kept_by_community=bool(r.POST.get("kept_by_community"))),
        "seal_handover": lambda r, e: seals.seal_handover_request(
            r.user, seal_id=_int(r.POST.get("seal")) or 0, receiver_id=_int(r.POST.get("receiver")) or 0,
            kept_by_community=bool(r.POST.get("kept_by_community")), note=r.POST.get("note", "")),
        "handover_confirm": lambda r, e: seals.seal_handover_confirm(r.user, handover_id=_int(r.POST.get("handover")) or 0),
        "handover_cancel": lambda r, e: seals.seal_handover_cancel(r.user, handover_id=_int(r.POST.get("handover")) or 0),
    },
    "fees": {
        "fee_rate": lambda r, e: fees.fee_rate_set(
            r.user, estate_id=e.pk, unit_kind=r.POST.get("unit_kind", ""), rate=r.POST.get("rate", ""),
            effective_from=_month(r.POST.get("effective_from"))),
        "bill": _bill,
        "fee_pay": lambda r, e: fees.fee_pay(
            r.user, bill_id=_int(r.POST.get("bill")) or 0, amount=r.POST.get("amount", ""),
            method=r.POST.get("method", ""), reference=r.POST.get("reference", ""), paid_on=_day(r.POST.get("paid_on"))),
        "payment_reverse": lambda r, e: fees.fee_payment_reverse(
            r.user, payment_id=_int(r.POST.get("payment")) or 0, reason=r.POST.get("reason", "")),
        "bill_reverse": lambda r, e: fees.bill_reverse(r.user, bill_id=_int(r.POST.get("bill")) or 0,
                                                      reason=r.POST.get("reason", "")),
        "publish_rates": lambda r, e: fees.rates_publish(r.user, estate_ids=[e.pk], start=_day(r.POST.get("start")),
                                                         end=_day(r.POST.get("end"))),
    },
    "fund": {
        "fund": lambda r, e: fund.fund_apply(
            r.user, estate_id=e.pk, purpose=r.POST.get("purpose", ""), amount=r.POST.get("amount", ""),
            building_ids=posted_ids(r.POST.getlist("building"), fund.BUILDINGS_REQUIRED, "building"),
            emergency=r.POST.get("emergency", ""), vote_id=_int(r.POST.get("vote"))),
        "fund_review": lambda r, e: fund.fund_review(
            r.user, application_id=_int(r.POST.get("application")) or 0, level=r.POST.get("level", ""),
            approved=r.POST.get("approved") == "1", comment=r.POST.get("comment", "")),
        "fund_deposit": lambda r, e: fund.fund_deposit(
            r.user, estate_id=e.pk, amount=r.POST.get("amount", ""), date=_day(r.POST.get("date")),
            memo=r.POST.get("memo", "")),
        "fund_payout": lambda r, e: fund.fund_payout(r.user, application_id=_int(r.POST.get("application")) or 0),
    },
    "audits": {
        "audit": lambda r, e: audits.audit_open(r.user, estate_id=e.pk, start=_day(r.POST.get("start")),
                                                end=_day(r.POST.get("end"))),
        "sign_audit": lambda r, e: audits.audit_sign(
            r.user, period_id=_int(r.POST.get("period")) or 0, party=r.POST.get("party", ""),
            signer_name=r.POST.get("signer", ""), findings=r.POST.get("findings", ""),
            reference=r.POST.get("reference", ""), document=r.FILES.get("document")),
        "case": lambda r, e: audits.case_open(
            r.user, estate_id=e.pk, source=r.POST.get("source", ""), description=r.POST.get("description", ""),
            responsible=r.POST.get("responsible", ""), deadline=_day(r.POST.get("deadline"))),
        "case_close": lambda r, e: audits.case_close(r.user, case_id=_int(r.POST.get("case")) or 0,
                                                     outcome=r.POST.get("outcome", "")),
    },
}

# Section key → (nav label, url name). The journal is the overview, at the money page's own address.
SECTIONS = {
    "journal": (_("收支与凭证"), "finance:estate_money"),
    "expenses": (_("支出"), "finance:money_expenses"),
    "seals": (_("印章"), "finance:money_seals"),
    "fees": (_("物业费"), "finance:money_fees"),
    "fund": (_("维修资金"), "finance:money_fund"),
    "audits": (_("三审与问责"), "finance:money_audits"),
}


def _period(request):
    """The statement period asked for (?start=&end=), this month by default; impossible dates are ignored."""
    today = clock.today()
    this_month = clock.period(clock.PeriodKind.MONTH, today).to_date(today)
    return (posted_date(request.GET.get("start")) or this_month.start,
            posted_date(request.GET.get("end")) or this_month.end)


# --- what each section shows -------------------------------------------------------------------------
def _with_asked(request, queryset, name: str, first: int) -> list:
    """The first rows of a section's list, and the row the address asks for (?<name>=id, an alert's
    link) when it is further down the list."""
    rows = list(queryset[:first])
    asked = _int(request.GET.get(name))
    if asked and asked not in {r.pk for r in rows}:
        rows += list(queryset.filter(pk=asked))
    return rows


def _trace(user, estate, start, end) -> dict | None:
    """For the estate's supervisors: each figure's link to the audit rows behind it (the trail's query,
    selectors.audit_link); a record's own rows are the same link with &subject_id=<id> added."""
    if not rules.may_trace_money(user, estate):
        return None
    link, period = selectors.audit_link, {"since": start, "until": end}
    return {
        "balance": link(estate.pk, subject_type=selectors.SUBJECT_TRANSACTION, action=AuditAction.JOURNAL_POST),
        "income": link(estate.pk, subject_type=selectors.SUBJECT_TRANSACTION, action=AuditAction.JOURNAL_POST,
                       **period),
        "spending": link(estate.pk, subject_type=selectors.SUBJECT_EXPENSE, action=AuditAction.EXPENSE_PAY, **period),
        "collected": link(estate.pk, subject_type=selectors.SUBJECT_FEE_PAYMENT, action=AuditAction.FEE_PAY, **period),
        "billed": link(estate.pk, subject_type="places.estate", action=AuditAction.FEE_BILL, **period),
        "fund_deposits": link(estate.pk, subject_type=selectors.SUBJECT_TRANSACTION, action=AuditAction.FUND_DEPOSIT),
        "fund_payouts": link(estate.pk, subject_type=selectors.SUBJECT_FUND_APPLICATION,
                             action=AuditAction.FUND_PAYOUT),
        "voucher": link(estate.pk, subject_type=selectors.SUBJECT_TRANSACTION),
        "expense": link(estate.pk, subject_type=selectors.SUBJECT_EXPENSE),
        "application": link(estate.pk, subject_type=selectors.SUBJECT_FUND_APPLICATION),
        "seal_use": link(estate.pk, subject_type=selectors.SUBJECT_SEAL_USE),
    }


def _statement_shown(s: dict) -> dict:
    """The statement as people read it: 元 with separators, each category under its account's name."""
    return {
        **{key: yuan(s[key]) for key in ("opening", "total_income", "total_spending", "closing")},
        "income": [(account_name(f"income:{c}"), yuan(v)) for c, v in s["income"].items() if v],
        "spending": [(account_name(f"expense:{c}"), yuan(v)) for c, v in s["spending"].items() if v],
    }


def _journal(request, estate):
    user = request.user
    start, end = _period(request)
    reversed_ = Transaction.objects.filter(reverses=OuterRef("pk"))
    statement = selectors.statement(estate, start, end)
    gaps = selectors.unreconciled(estate)
    shown = scope_for(user).contacts_shown(estate.pk)
    return {
        "statement": statement, "shown": _statement_shown(statement), "start": start, "end": end,
        "transactions": Transaction.objects.filter(estate=estate).annotate(reversed=Exists(reversed_))
        .prefetch_related("entries__account").order_by("-date", "-id")[:30],
        "suggestions": selectors.suggest(estate)[:50],
        "gaps": gaps,
        "not_deposited": [(tx, day, yuan(amount)) for tx, day, amount in gaps["income_not_deposited"]],
        "unmatched_lines": [(line, day, yuan(amount), redact(counterparty, shown))
                            for line, day, amount, counterparty in gaps["bank_without_entry"]],
        "can_record_income": rules.may_record_income(user, estate),
        "can_reverse": rules.may_reverse(user, estate),
        "can_publish_statement": rules.may_publish_statement(user, estate),
        "can_reconcile": rules.may_reconcile_bank(user, estate),
        "income_form": forms.IncomeForm(),
        "bank_form": forms.BankImportForm(),
    }


def _expenses(request, estate):
    return {
        "expenses": Expense.objects.filter(estate=estate).select_related("approval")[:50],
        "can_request_expense": rules.may_request_expense(request.user, estate),
        "can_pay": rules.may_pay_expense(request.user, estate),
        "expense_form": forms.ExpenseForm(),
    }


def _seals(request, estate):
    user = request.user
    estate_seals = list(Seal.objects.filter(estate=estate).select_related("custodian", "out_with")
                        .prefetch_related(Prefetch("handovers", SealHandover.objects.filter(
                            status=HandoverStatus.PENDING).select_related("giver", "receiver"), to_attr="open_handovers")))
    uses = SealUse.objects.filter(seal__estate=estate).select_related("seal__estate")[:20]
    keepers = list(selectors.seal_keepers(estate, kept_by_community=False))
    rows = []
    for seal in estate_seals:
        handover = seal.open_handovers[0] if seal.open_handovers else None
        may_give = rules.may_hand_over_seal(user, seal) and seal.out_with_id is None and handover is None
        form = forms.SealHandoverForm(row=seal.pk, keepers=[k for k in keepers if k.pk != seal.custodian_id],
                                      initial={"kept_by_community": seal.kept_by_community}) if may_give else None
        rows.append((seal, handover, form, handover is not None and rules.may_confirm_handover(user, handover),
                     handover is not None and rules.may_cancel_handover(user, handover)))
    missing = [k for k in SealKind.values if k not in {s.kind for s in estate_seals}]
    return {
        "seals": rows,
        "seal_uses": [(u, rules.may_hand_seal(user, u.seal), forms.SealReturnForm(row=u.pk)) for u in uses],
        "seal_rule": registry.rule_in_force(seals.SEAL_RULE_KIND, estate, clock.today()),
        "can_request_seal": rules.may_request_seal(user, estate) and bool(estate_seals),
        "seal_form": forms.SealRequestForm(seals=estate_seals),
        "can_register_seal": rules.may_register_seal(user, estate) and bool(missing),
        "register_form": forms.SealRegisterForm(keepers=keepers, kinds=missing),
        "register_url": reverse("finance:community_seals", args=[estate.community_id])
        if rules.may_read_seal_register(user, estate.community) else None,
    }


def _bills(request, estate):
    """The month's bills as the fees page filters them (?month=YYYY-MM&unpaid=1&unit=), the latest
    month billed by default; (month, bills)."""
    month = posted_date(f"{request.GET.get('month', '')}-01") if len(request.GET.get("month", "")) == 7 else None
    latest = FeeBill.objects.filter(estate=estate).order_by("-month").values_list("month", flat=True).first()
    month = month or latest
    bills = selectors.bills_for(fetched_by=request.user, estate_id=estate.pk, month=month,
                                unpaid=request.GET.get("unpaid") == "1",
                                unit_code=(request.GET.get("unit") or "").strip()[:32]) if month else FeeBill.objects.none()
    return month, bills


def _fees(request, estate):
    user = request.user
    start, end = _period(request)
    today = clock.today()
    month, bills = _bills(request, estate)
    page = Paginator(bills, 20).get_page(request.GET.get("page"))
    can_manage = rules.may_manage_fees(user, estate)
    payments = FeePayment.objects.filter(estate=estate).select_related("bill__unit")[:20]
    collection = selectors.collection_rate([estate.pk], start.replace(day=1), end)
    return {
        "start": start, "end": end,
        "collection": collection,
        "collection_shown": {"billed": yuan(collection["billed"]), "collected": yuan(collection["collected"])},
        "monthly_rates": selectors.monthly_rates(estate, today),
        "can_manage_fees": can_manage,
        "bill_form": forms.BillForm(),
        "rate_form": forms.RateForm(initial={"effective_from": f"{today:%Y-%m}"}),
        "rates": FeeRate.objects.filter(estate=estate).order_by("unit_kind", "-effective_from"),
        "rates_now": {r.pk for r in selectors.rates_on(estate, today).values()},
        "bills_month": month, "page": page,
        "bills": [(b, forms.FeePayForm(row=b.pk, initial={"amount": yuan(b.due).replace(",", "")})
                   if can_manage and b.due > 0 else None,
                   forms.ReasonForm(row=f"bill{b.pk}") if can_manage and b.paid == 0 and not b.reversed_at else None)
                  for b in page],
        "payments": [(p, forms.ReasonForm(row=f"pay{p.pk}") if rules.may_reverse_fee_payment(user, estate)
                      and not p.reversed_at else None) for p in payments],
    }


def _fund(request, estate):
    user = request.user
    levels = dict(ReviewLevel.choices)
    rows = []
    for f in _with_asked(request, FundApplication.objects.filter(estate=estate).prefetch_related("reviews"),
                         "application", 20):
        mine = rules.fund_levels_for(user, f)
        rows.append((f, forms.FundReviewForm(row=f.pk, levels=[(v, levels[v]) for v in mine]) if mine else None,
                     rules.may_pay_fund(user, f)))
    return {
        "fund": rows,
        "fund_balance": yuan(selectors.fund_balance(estate)),
        "can_apply_fund": rules.may_apply_fund(user, estate),
        "can_deposit_fund": rules.may_deposit_fund(user, estate),
        "fund_form": forms.FundForm(buildings=estate.buildings.all()),
        "deposit_form": forms.FundDepositForm(),
    }


def _audits(request, estate):
    user = request.user
    start, end = _period(request)
    return {
        # Each party's form only for who may sign it now (rules.audit_parties_for).
        "audits": [(a, [(party, forms.AuditSignForm(row=f"{a.pk}_{party}", party=party,
                                                    on_behalf=not rules.signs_for_bank(user, estate)))
                        for party in rules.audit_parties_for(user, a)])
                   for a in _with_asked(request, AuditPeriod.objects.filter(estate=estate).select_related("estate")
                                        .prefetch_related("signoffs"), "period", 10)],
        "cases": [(c, forms.CaseCloseForm(row=c.pk))
                  for c in _with_asked(request, AccountabilityCase.objects.filter(estate=estate), "case", 20)],
        "can_open_audit": rules.may_open_audit(user, estate),
        "can_open_case": rules.may_open_audit_case(user, estate),
        "can_close_case": rules.may_close_audit_case(user, estate),
        "audit_form": forms.AuditOpenForm(initial={"start": start, "end": end}),
        "case_form": forms.CaseForm(),
    }


CONTEXT = {"journal": _journal, "expenses": _expenses, "seals": _seals, "fees": _fees, "fund": _fund,
           "audits": _audits}


def _section(request, estate_id: int, section: str):
    estate = selectors.estate_for_money(fetched_by=request.user, estate_id=estate_id)
    url_name = SECTIONS[section][1]
    if request.method == "POST":
        _attempt(request, lambda: posted_action(request, ACTIONS[section])(request, estate), DONE)
        return redirect(url_name, estate.pk)
    nav = [(key, label, reverse(name, args=[estate.pk]), key == section) for key, (label, name) in SECTIONS.items()]
    start, end = _period(request)
    return render(request, f"finance/money_{section}.html", {
        "estate": estate, "section": section, "sections": nav, "section_url": reverse(url_name, args=[estate.pk]),
        "balance": yuan(selectors.balance(estate)),
        "trace": _trace(request.user, estate, start, end),
        **CONTEXT[section](request, estate),
    })


@login_required
def estate_money(request, estate_id: int, section: str = "journal"):
    """One section of the money page (urls.py names each); the journal section is the overview: balance,
    statement, journal and the bank."""
    return _section(request, estate_id, section)


@login_required
def journal_xlsx(request, estate_id: int):
    """The period's entries as an Excel sheet (?start=&end=, this month by default): who reads the books."""
    estate = selectors.estate_for_money(fetched_by=request.user, estate_id=estate_id)
    start, end = _period(request)
    return xlsx_response(exports.journal_xlsx(estate, start, end), f"journal-{estate.pk}")


@login_required
def bills_xlsx(request, estate_id: int):
    """The fees page's bills, as filtered there, as an Excel sheet."""
    estate = selectors.estate_for_money(fetched_by=request.user, estate_id=estate_id)
    _month, bills = _bills(request, estate)
    return xlsx_response(exports.bills_xlsx(bills[:5000]), f"bills-{estate.pk}")


def _transfers_shown(transfers: dict) -> dict:
    """The transfers in 元, each estate's with the audit rows of its postings (the desk is the supervisors')."""
    return {"total": yuan(transfers["total"]),
            "per_estate": [(name, yuan(total), selectors.audit_link(
                transfers["estate_ids"][name], subject_type=selectors.SUBJECT_TRANSACTION,
                action=AuditAction.JOURNAL_POST)) for name, total in transfers["per_estate"].items()]}


def _desk_alerts(user, alerts):
    """The desk's alerts, open (each with its review form where the user may review it) and reviewed."""
    estates = {e.pk: e for e in Estate.objects.filter(pk__in={a.estate_id for a in alerts})}
    open_ = [(a, forms.AlertReviewForm(row=a.key.replace(":", "-"))
              if rules.may_review_alert(user, estates[a.estate_id]) else None) for a in alerts if a.review is None]
    reviewed = sorted((a for a in alerts if a.review is not None), key=lambda a: a.review.reviewed_at, reverse=True)
    return open_, reviewed


def _alerts_at(request):
    """The supervisor's alerts, of one place's estates when the address names it (?place=community:3, the
    dashboard's link from its count of open alerts)."""
    found = selectors.alerts(fetched_by=request.user)
    code = request.GET.get("place")
    if code:
        place = place_get(request.user, code, rules.SUPERVISORS)
        estates = set(Estate.objects.filter(**place.lookup("")).values_list("pk", flat=True))
        found = [a for a in found if a.estate_id in estates]
    return found


@login_required
def supervisor_desk(request):
    """Every alert in the supervisor's scope — open ones to review with a note, reviewed ones with who,
    when and the note —, the large expenses, and the cases."""
    user = request.user
    if not rules.may_supervise(user):
        raise PermissionDenied()
    if request.method == "POST":
        _attempt(request, lambda: alert_svc.alert_review(user, key=request.POST.get("alert", ""),
                                                         note=request.POST.get("note", "")), REVIEWED)
        return redirect("finance:supervisor_desk")
    estates = scope_for(user).estates(rules.SUPERVISORS)
    last_month = clock.last_complete(clock.PeriodKind.MONTH)
    open_alerts, reviewed = _desk_alerts(user, _alerts_at(request))
    return render(request, "finance/supervisor.html", {
        "contracts": ServiceContract.objects.filter(estate__in=estates).select_related("estate", "company")[:100],
        "companies": selectors.collection_by_company(fetched_by=user, start=last_month.start, end=last_month.end),
        "companies_period": last_month,
        "alerts": open_alerts,
        "reviewed": reviewed,
        "seal_out_hours": settings.GONGZHI_SEAL_OUT_HOURS,
        "large": selectors.large_expenses(fetched_by=user)[:100],
        "cases": AccountabilityCase.objects.filter(estate__in=estates).select_related("estate")[:100],
        "transfers": _transfers_shown(selectors.personal_transfers(fetched_by=user)),
    })


@login_required
def alerts_xlsx(request):
    """The desk's alerts, open and reviewed, as an Excel sheet (free text masked for the viewer)."""
    if not rules.may_supervise(request.user):
        raise PermissionDenied()
    return exports.alerts_xlsx(request, _alerts_at(request))


@login_required
def expenses_xlsx(request, estate_id: int):
    """The estate's expenses (the vouchers asked for and paid) as an Excel sheet: who reads the books."""
    estate = selectors.estate_for_money(fetched_by=request.user, estate_id=estate_id)
    return exports.expenses_xlsx(request, estate)


@login_required
def community_seals_xlsx(request, community_id: int):
    """The community's seal register as an Excel sheet: who reads the register."""
    community = selectors.community_for_register(fetched_by=request.user, community_id=community_id)
    return exports.seal_register_xlsx(request, community, selectors.seal_register(community))


RECORD_TITLES = {"income": _("公共收益收入"), "spending": _("公共收益支出"), "personal_transfer": _("从个人账户转入公共账户"),
                 "billed": _("应收物业费"), "collected": _("已收物业费")}


@login_required
def money_records(request):
    """The journal entries or fee bills behind one of the dashboard's money figures (?place=&start=&end=
    &what=), their total beside them — the figure itself."""
    get = request.GET
    start, end = _period(request)
    found = selectors.money_records(fetched_by=request.user, place_code=get.get("place", ""), start=start, end=end,
                                    what=get.get("what", ""))
    scope = scope_for(request.user)
    page = Paginator(found.rows, 100).get_page(get.get("page"))
    if found.what in ("billed", "collected"):
        rows = [(b.estate.name, b.unit.code, f"{b.month:%Y-%m}", b.amount_yuan if found.what == "billed"
                 else b.paid_yuan) for b in page]
    else:
        spending = found.what == "spending"
        rows = [(e.transaction.estate.name, e.transaction.date.isoformat(),
                 redact(e.transaction.memo, scope.contacts_shown(e.transaction.estate_id)), e.account.name,
                 yuan((e.debit - e.credit) if spending else (e.credit - e.debit))) for e in page]
    return render(request, "finance/money_records.html", {
        "title": RECORD_TITLES[found.what], "bills": found.what in ("billed", "collected"), "start": start, "end": end,
        "total": yuan(found.total), "page": page, "rows": rows,
        "kept": [(k, get[k]) for k in ("place", "start", "end", "what") if get.get(k)],
    })


@login_required
def my_fees(request):
    """An owner's own bills flat by flat, each with its sums and arrears, the total due over all their
    flats, and each payment's receipt on its bill's line — never anyone else's."""
    flats, due = selectors.my_fees(request.user)
    return render(request, "finance/my_fees.html", {"flats": flats, "total_due": yuan(due), "today": clock.today(),
                                                    "months": selectors.MY_FEE_MONTHS})


@login_required
def receipt_pdf(request, payment_id: int):
    """A payment's receipt as a PDF: the unit's owner and fee staff only."""
    payment = selectors.payment_for_receipt(fetched_by=request.user, payment_id=payment_id)
    response = HttpResponse(printing.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=receipt-{payment.pk}.pdf"
    return response


@login_required
def community_seals(request, community_id: int):
    """The community's register: every seal in custody in its estates, who keeps it and where, and who
    has it out now and since when."""
    community = selectors.community_for_register(fetched_by=request.user, community_id=community_id)
    return render(request, "finance/community_seals.html", {
        "community": community, "seals": selectors.seal_register(community)})

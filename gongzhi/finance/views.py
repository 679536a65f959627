"""Pages of 业账社管: an estate's money page (balance, journal, expenses, statements, bank, fees,
fund, seals, audits), the discipline supervisor's desk, and an owner's own fees."""


from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.roles import AUDIT_ROLES
from gongzhi.core.scoping import scope_for
from gongzhi.core.web import attempt as _attempt
from gongzhi.core.web import posted_date
from gongzhi.core.web import posted_id as _int
from gongzhi.finance import audits, fees, fund, reconciliation, selectors
from gongzhi.finance import services as fin
from gongzhi.finance.models import (
    AccountabilityCase,
    AuditParty,
    AuditPeriod,
    EmergencyReason,
    Expense,
    ExpenseCategory,
    FeeBill,
    FundApplication,
    IncomeCategory,
    ReviewLevel,
    Seal,
    SealUse,
    Transaction,
)
from gongzhi.people.models import Ownership


def _day(value, default=None):
    """A posted date: missing means the default (today); malformed or impossible is refused."""
    if not (value or "").strip():
        return default or clock.today()
    day = posted_date(value)
    if day is None:
        raise InvalidInput("日期格式不正确，请写作 YYYY-MM-DD / Write the date as YYYY-MM-DD", field="date")
    return day


@login_required
def estate_money(request, estate_id: int):
    user = request.user
    estate = selectors.estate_for_money(fetched_by=user, estate_id=estate_id)
    post = request.POST
    if request.method == "POST":
        action = post.get("action")
        actions = {
            "income": lambda: fin.income_record(user, estate_id=estate.pk, category=post.get("category", ""),
                                                amount=post.get("amount", ""), date=_day(post.get("date")),
                                                memo=post.get("memo", ""), payer=post.get("payer", "")),
            "expense": lambda: fin.expense_request(user, estate_id=estate.pk, amount=post.get("amount", ""),
                                                   purpose=post.get("purpose", ""), payee=post.get("payee", ""),
                                                   category=post.get("category", ""), quotes=post.get("quotes", ""),
                                                   matter_id=_int(post.get("matter")), vote_id=_int(post.get("vote")),
                                                   attachment=request.FILES.get("attachment")),
            "pay": lambda: fin.expense_pay(user, expense_id=_int(post.get("expense")) or 0),
            "reverse": lambda: fin.reverse(user, transaction_id=_int(post.get("transaction")) or 0,
                                           memo=post.get("memo", "")),
            "publish": lambda: fin.statement_publish(user, estate_id=estate.pk, start=_day(post.get("start")),
                                                     end=_day(post.get("end"))),
            "bank": lambda: reconciliation.bank_import(user, estate_id=estate.pk, data=request.FILES["file"].read(),
                                                       filename=request.FILES["file"].name)
            if "file" in request.FILES else None,
            "confirm": lambda: reconciliation.confirm(user, pairs=[
                (_int(p.split(":")[0]) or 0, _int(p.split(":")[1]) or 0) for p in post.getlist("pair") if ":" in p]),
            "bill": lambda: fees.bill_month(user, estate_id=estate.pk, month=_day(post.get("month"))),
            "audit": lambda: audits.audit_open(user, estate_id=estate.pk, start=_day(post.get("start")),
                                               end=_day(post.get("end"))),
            "sign_audit": lambda: audits.audit_sign(user, period_id=_int(post.get("period")) or 0,
                                                    party=post.get("party", ""), signer_name=post.get("signer", ""),
                                                    findings=post.get("findings", "")),
            "seal_request": lambda: fin.seal_use_request(user, seal_id=_int(post.get("seal")) or 0,
                                                         document=post.get("document", ""),
                                                         purpose=post.get("purpose", ""), both=bool(post.get("both")),
                                                         matter_id=_int(post.get("matter"))),
            "publish_rates": lambda: fees.rates_publish(user, estate_ids=[estate.pk], start=_day(post.get("start")),
                                                        end=_day(post.get("end"))),
            "seal_release": lambda: fin.seal_release(user, use_id=_int(post.get("use")) or 0),
            "seal_return": lambda: fin.seal_return(user, use_id=_int(post.get("use")) or 0,
                                                   scan=request.FILES.get("scan")),
            "fund": lambda: fund.apply(user, estate_id=estate.pk, purpose=post.get("purpose", ""),
                                       amount=post.get("amount", ""),
                                       building_ids=[i for i in map(_int, post.getlist("building")) if i],
                                       emergency=post.get("emergency", ""), vote_id=_int(post.get("vote"))),
            "fund_review": lambda: fund.review(user, application_id=_int(post.get("application")) or 0,
                                               level=post.get("level", ""), approved=post.get("approved") == "1",
                                               comment=post.get("comment", "")),
            "case": lambda: audits.case_open(user, estate_id=estate.pk, source=post.get("source", ""),
                                             description=post.get("description", ""),
                                             responsible=post.get("responsible", ""),
                                             deadline=_day(post.get("deadline"))),
            "case_close": lambda: audits.case_close(user, case_id=_int(post.get("case")) or 0,
                                                    outcome=post.get("outcome", "")),
        }
        if action in actions:
            _attempt(request, actions[action], _("已完成"))
        return redirect("estate_money", estate.pk)
    today = clock.today()
    this_month = clock.period(clock.PeriodKind.MONTH, today).to_date(today)
    start = posted_date(request.GET.get("start")) or this_month.start
    end = posted_date(request.GET.get("end")) or this_month.end
    return render(request, "finance/estate_money.html", {
        "estate": estate,
        "balance": fin.yuan(fin.balance(estate)),
        "transactions": Transaction.objects.filter(estate=estate).prefetch_related("entries__account")
        .order_by("-date", "-id")[:30],
        "expenses": Expense.objects.filter(estate=estate).select_related("approval")[:50],
        "statement": selectors.statement(estate, start, end),
        "start": start, "end": end,
        "suggestions": reconciliation.suggest(estate)[:50],
        "gaps": reconciliation.unreconciled(estate),
        "collection": fees.collection_rate([estate.pk], start.replace(day=1), end),
        "fund": FundApplication.objects.filter(estate=estate).prefetch_related("reviews")[:20],
        "seal_uses": SealUse.objects.filter(seal__estate=estate).select_related("seal")[:20],
        "audits": AuditPeriod.objects.filter(estate=estate).prefetch_related("signoffs")[:10],
        "cases": AccountabilityCase.objects.filter(estate=estate)[:20],
        "seals": Seal.objects.filter(estate=estate).select_related("custodian", "out_with"),
        "buildings": estate.buildings.all(),
        "emergencies": EmergencyReason.choices,
        "parties": AuditParty.choices,
        "levels": ReviewLevel.choices,
        "monthly_rates": _monthly_rates(estate, today),
        "income_categories": IncomeCategory.choices,
        "expense_categories": ExpenseCategory.choices,
    })


def _monthly_rates(estate, today):
    """The last twelve months' collection rates, so a change (55% → 75%) shows at a glance."""
    months = []
    month = clock.period(clock.PeriodKind.MONTH, today)
    for _month in range(12):
        rate = fees.collection_rate([estate.pk], month.start, month.start)["rate"]
        if rate is not None:
            months.append((month.start, rate))
        month = month.previous()
    return list(reversed(months))


@login_required
def supervisor_desk(request):
    """Every alert in the supervisor's scope, the large expenses, and the cases."""
    user = request.user
    scope = scope_for(user)
    if not scope.has_any(AUDIT_ROLES):
        raise PermissionDenied()
    estates = scope.estates(AUDIT_ROLES)
    large = Expense.objects.filter(estate__in=estates, amount__gte=fin.large_threshold_fen()).select_related(
        "estate", "approval")
    from gongzhi.bodies.models import ServiceContract

    last_month = clock.last_complete(clock.PeriodKind.MONTH)
    return render(request, "finance/supervisor.html", {
        "contracts": ServiceContract.objects.filter(estate__in=estates).select_related("estate", "company")[:100],
        "companies": fees.collection_by_company(fetched_by=user, start=last_month.start, end=last_month.end),
        "companies_period": last_month,
        "alerts": selectors.alerts(fetched_by=user),
        "large": large[:100],
        "cases": AccountabilityCase.objects.filter(estate__in=estates).select_related("estate")[:100],
        "transfers": selectors.personal_transfers(fetched_by=user),
    })


@login_required
def my_fees(request):
    """An owner's own bills and arrears — never anyone else's."""
    units = Ownership.objects.filter(person__user=request.user, until__isnull=True).values_list("unit_id", flat=True)
    bills = FeeBill.objects.filter(unit_id__in=list(units)).select_related("unit", "estate").order_by("-month")[:60]
    return render(request, "finance/my_fees.html", {"bills": bills, "today": clock.today()})

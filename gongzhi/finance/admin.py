"""The back office of 业账社管, scoped like every admin: an administrator sees the rows of the estates
in their scope, and another estate's row answers like a missing one.

The ledger is kept through its services only: journal transactions and their entries, bank lines,
audit periods and their sign-offs, fee bills and payments, seal uses, fund reviews and the supervisor's
alert reviews are shown read-only (nothing posted is ever edited; a correction is a reversing
transaction). Where a row may be corrected here (an expense's wording, a case's responsible person and
deadline, a seal's keeping, a fee rate), the fields that carry money, state or signatures stay
read-only, and the save goes through core.services.record_save, which checks the scope and writes the audit trail."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_base import ReadOnlyInline, ReadOnlyScopedAdmin, ScopedAdmin
from gongzhi.core.services import record_delete, record_save
from gongzhi.finance.models import (
    AccountabilityCase,
    AlertReview,
    AuditPeriod,
    AuditSignoff,
    BankLine,
    Entry,
    Expense,
    FeeBill,
    FeePayment,
    FeeRate,
    FundApplication,
    FundReview,
    LedgerAccount,
    Seal,
    SealUse,
    Transaction,
)


class EstateScoped:
    """Rows reached through `estate_path` (a lookup ending in the estate): scoped by it, and saved or
    deleted with that estate's scope ids."""

    estate_path = "estate"

    def scoped(self, scope, qs):
        return qs.filter(**{f"{self.estate_path}__in": scope.estates()})

    def estate_of(self, obj):
        target = obj
        for step in self.estate_path.split("__"):
            target = getattr(target, step)
        return target

    def save_model(self, request, obj, form, change):
        record_save(request.user, obj, scope_ids=self.estate_of(obj).scope_ids())

    def delete_model(self, request, obj):
        record_delete(request.user, obj, scope_ids=self.estate_of(obj).scope_ids())


class LedgerAdmin(EstateScoped, ReadOnlyScopedAdmin):
    """Read-only: shown, never added, changed or deleted here."""


class CorrectableAdmin(EstateScoped, ScopedAdmin):
    """Corrected here through record_save, never added (the services create them) or deleted."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the journal (read-only) ---------------------------------------------------------------------------
class InYuan:
    """Entries' sums in 元 (1,234.50) and accounts by name, as the pages show them."""

    @admin.display(description=_("借方（元）"))
    def debit_in_yuan(self, entry):
        return entry.debit_yuan if entry.debit else ""

    @admin.display(description=_("贷方（元）"))
    def credit_in_yuan(self, entry):
        return entry.credit_yuan if entry.credit else ""

    @admin.display(description=_("科目名称"))
    def account_name(self, obj):
        return obj.account.name if hasattr(obj, "account") else obj.name


@admin.register(LedgerAccount)
class LedgerAccountAdmin(InYuan, LedgerAdmin):
    list_display = ["code", "account_name", "type", "estate"]
    list_filter = ["type"]
    list_select_related = ["estate"]
    search_fields = ["code", "estate__name"]


class EntryInline(InYuan, ReadOnlyInline):
    model = Entry
    fields = ["account", "account_name", "debit_in_yuan", "credit_in_yuan"]
    readonly_fields = fields


@admin.register(Transaction)
class TransactionAdmin(LedgerAdmin):
    list_display = ["date", "memo", "counterparty", "estate", "reverses", "posted_at"]
    list_select_related = ["estate", "reverses"]
    search_fields = ["memo", "counterparty", "estate__name"]
    date_hierarchy = "date"
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(InYuan, LedgerAdmin):
    estate_path = "transaction__estate"
    list_display = ["transaction", "account", "account_name", "debit_in_yuan", "credit_in_yuan"]
    list_select_related = ["transaction", "account"]
    search_fields = ["account__code", "transaction__memo"]


@admin.register(BankLine)
class BankLineAdmin(LedgerAdmin):
    list_display = ["date", "amount", "counterparty", "memo", "estate", "transaction"]
    list_select_related = ["estate", "transaction"]
    search_fields = ["counterparty", "memo", "estate__name"]
    date_hierarchy = "date"


# --- 三审 (read-only) and accountability ---------------------------------------------------------------
class SignoffInline(ReadOnlyInline):
    model = AuditSignoff
    fields = ["party", "signer_name", "reference", "document", "findings", "signed_at"]
    readonly_fields = fields


@admin.register(AuditPeriod)
class AuditPeriodAdmin(LedgerAdmin):
    list_display = ["estate", "start", "end", "opened_at", "completed_at"]
    list_select_related = ["estate"]
    inlines = [SignoffInline]


@admin.register(AuditSignoff)
class AuditSignoffAdmin(LedgerAdmin):
    estate_path = "period__estate"
    list_display = ["period", "party", "signer_name", "reference", "signed_at"]
    list_filter = ["party"]
    list_select_related = ["period"]


@admin.register(AccountabilityCase)
class AccountabilityCaseAdmin(CorrectableAdmin):
    list_display = ["description", "responsible", "deadline", "status", "estate"]
    list_filter = ["status"]
    list_select_related = ["estate"]
    search_fields = ["description", "responsible", "estate__name"]
    readonly_fields = ["estate", "status", "outcome", "opened_by", "opened_at", "closed_at"]


# --- expenses and seals ---------------------------------------------------------------------------------
@admin.register(Expense)
class ExpenseAdmin(CorrectableAdmin):
    list_display = ["purpose", "payee", "amount", "status", "split_suspect", "estate", "created_at"]
    list_filter = ["status", "category", "split_suspect"]
    list_select_related = ["estate"]
    search_fields = ["purpose", "payee", "estate__name"]
    # The sum, the state and what authorised or paid it follow the approval and the journal only.
    readonly_fields = ["estate", "amount", "category", "status", "split_suspect", "approval", "matter", "vote",
                       "transaction", "created_by", "created_at"]


@admin.register(Seal)
class SealAdmin(CorrectableAdmin):
    list_display = ["estate", "kind", "custodian", "kept_by_community", "out_with"]
    list_select_related = ["estate", "custodian", "out_with"]
    # Who holds it changes by a handover both sign (the seals' services), never here.
    readonly_fields = ["estate", "kind", "custodian", "out_with"]


@admin.register(SealUse)
class SealUseAdmin(LedgerAdmin):
    estate_path = "seal__estate"
    list_display = ["document", "seal", "status", "requested_at", "released_at", "returned_at"]
    list_filter = ["status"]
    list_select_related = ["seal__estate"]
    search_fields = ["document", "purpose"]


# --- fees and the fund ------------------------------------------------------------------------------------
@admin.register(FeeRate)
class FeeRateAdmin(CorrectableAdmin):
    list_display = ["estate", "unit_kind", "rate"]
    list_select_related = ["estate"]
    readonly_fields = ["estate", "unit_kind"]


@admin.register(FeeBill)
class FeeBillAdmin(LedgerAdmin):
    list_display = ["unit", "month", "amount", "paid", "estate"]
    list_select_related = ["unit", "estate"]
    search_fields = ["unit__code", "estate__name"]
    raw_id_fields = ["unit"]


@admin.register(FeePayment)
class FeePaymentAdmin(LedgerAdmin):
    estate_path = "bill__estate"
    list_display = ["bill", "amount", "method", "paid_on"]
    list_select_related = ["bill"]


@admin.register(FundApplication)
class FundApplicationAdmin(CorrectableAdmin):
    list_display = ["purpose", "amount", "status", "emergency", "estate", "applied_at"]
    list_filter = ["status"]
    list_select_related = ["estate"]
    readonly_fields = ["estate", "amount", "buildings", "emergency", "vote", "notice", "status", "applied_by",
                       "applied_at"]


@admin.register(FundReview)
class FundReviewAdmin(LedgerAdmin):
    estate_path = "application__estate"
    list_display = ["application", "level", "approved", "reviewer", "due_at", "decided_at"]
    list_select_related = ["application", "reviewer"]


@admin.register(AlertReview)
class AlertReviewAdmin(LedgerAdmin):
    list_display = ["kind", "record_id", "estate", "reviewed_by", "reviewed_at"]
    list_filter = ["kind"]
    list_select_related = ["estate", "reviewed_by"]

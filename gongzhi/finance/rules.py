"""Who may do what in 业账社管: the one place each rule is written. Services check these before they
write; pages ask the same predicates, so a page shows only the forms its user may submit.

The community (secretary, staff) keeps the books and the seals; the committee, the property company
and the community sign expenses; the committee head, the community secretary and the discipline
supervisor sign each seal use; three levels review each use of the maintenance fund."""

from django.conf import settings

from gongzhi.core.access import may
from gongzhi.core.roles import AUDIT_ROLES, STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for
from gongzhi.finance.choices import AuditParty, FundStatus, ReviewLevel

# --- role sets ---------------------------------------------------------------------------------------
# Keep the books: income, corrections, payments, statements, the bank, seals' register, 三审.
BOOKKEEPERS = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})
# Ask for money or a seal: the committee and the property company, and the bookkeepers.
REQUESTERS = frozenset({Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.PROPERTY_STAFF}) | BOOKKEEPERS
# Who signs an expense, in signing order; the discipline supervisor as well above the large line.
EXPENSE_SIGNERS = (Role.COMMITTEE_CHAIR, Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY)
LARGE_EXPENSE_SIGNER = Role.DISCIPLINE_SUPERVISOR
# Who signs each seal use, in signing order.
SEAL_SIGNERS = (Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR)
# Who may keep a seal: the community (in its 代管箱) or the owners' committee.
SEAL_KEEPERS = BOOKKEEPERS | {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER}
# Property fees: rates, bills, payments, the published collection rates.
FEE_STAFF = frozenset({Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})
# A unit's arrears: fee staff and the committee chair (and the unit's own owner).
ARREARS_READERS = FEE_STAFF | {Role.COMMITTEE_CHAIR}
# 乱必追责问责: who opens and closes accountability cases.
CASE_OPENERS = frozenset({Role.DISCIPLINE_SUPERVISOR, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
# 三级联审 of the maintenance fund: who reviews at each level.
REVIEWERS = {
    ReviewLevel.PROPERTY_CENTRE: frozenset({Role.DEPARTMENT_OFFICER}),
    ReviewLevel.SUBDISTRICT: frozenset({Role.SUBDISTRICT_OFFICER}),
    ReviewLevel.COMMUNITY: frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF}),
}
# 三审: three bodies, each signed by its own people. The residents' committee by community staff; the
# bank by a bank officer — or recorded by a bookkeeper as the bank's confirmation, with its reference
# and the statement attached; the audit firm by an auditor, with the report attached.
RESIDENTS_COMMITTEE_SIGNERS = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})
BANK_SIGNERS = frozenset({Role.BANK_OFFICER})
AUDIT_FIRM_SIGNERS = frozenset({Role.AUDITOR})
AUDIT_PARTY_SIGNERS = {
    AuditParty.RESIDENTS_COMMITTEE: RESIDENTS_COMMITTEE_SIGNERS,
    AuditParty.BANK: BANK_SIGNERS,
    AuditParty.AUDIT_FIRM: AUDIT_FIRM_SIGNERS,
}
# Who may sign (or, for the bank, record) any party of 三审.
AUDIT_SIGNERS_ANY = RESIDENTS_COMMITTEE_SIGNERS | BANK_SIGNERS | AUDIT_FIRM_SIGNERS | BOOKKEEPERS
# Who opens an estate's books (its staff above it: committee, community, supervisors).
MONEY_READERS = STAFF_ROLES
# Who sits at the supervisor's desk and sees the alerts.
SUPERVISORS = AUDIT_ROLES
# Who marks an alert reviewed, with a note: the supervisors of the alert's estate.
ALERT_REVIEWERS = SUPERVISORS


def large_threshold_fen() -> int:
    """At or above this an expense is large: the supervisor signs too, and a resolution must authorise it."""
    return int(settings.GONGZHI_LARGE_EXPENSE_YUAN) * 100


def expense_signers(amount_fen: int) -> list[str]:
    return list(EXPENSE_SIGNERS) + ([LARGE_EXPENSE_SIGNER] if amount_fen >= large_threshold_fen() else [])


# --- the journal, the bank, expenses, seals ---------------------------------------------------------
def may_keep_books(actor, estate) -> bool:
    """The estate's bookkeepers: record income, reverse, publish statements, reconcile the bank, pay an
    approved expense, register a seal, open and sign the period's 三审."""
    return may(actor, BOOKKEEPERS, estate)


def may_request_expense(actor, estate) -> bool:
    """The committee and the community ask for money (an expense, a seal use, the maintenance fund)."""
    return may(actor, REQUESTERS, estate)


# One name per action a page offers, so a page asks for exactly what it shows; the rule behind it is shared.
may_record_income = may_reverse = may_publish_statement = may_reconcile_bank = may_keep_books
may_pay_expense = may_register_seal = may_open_audit = may_keep_books
may_request_seal = may_apply_fund = may_request_expense


def may_hand_seal(actor, seal) -> bool:
    """Only the seal's custodian releases it or takes it back (root and the system may)."""
    return actor is None or seal.custodian_id == actor.pk or scope_for(actor).is_root


# Handing custody over: the custodian gives (as for a use), and only the named receiver confirms.
may_hand_over_seal = may_hand_seal


def may_confirm_handover(actor, handover) -> bool:
    """Only the receiver confirms a handover: no one signs for the other party, root included."""
    return actor is not None and handover.receiver_id == actor.pk


def may_cancel_handover(actor, handover) -> bool:
    """The giver withdraws it or the receiver declines it."""
    return actor is None or actor.pk in (handover.giver_id, handover.receiver_id)


def may_read_seal_register(actor, community) -> bool:
    """The community-wide register: whoever reads the books of the community's estates above them."""
    return actor is None or scope_for(actor).communities(MONEY_READERS).filter(pk=community.pk).exists()


# --- property fees -----------------------------------------------------------------------------------
def may_manage_fees(actor, estate) -> bool:
    """Set rates, bill a month, record payments, publish collection rates."""
    return may(actor, FEE_STAFF, estate)


def may_read_arrears(actor, unit, *, owns: bool) -> bool:
    return owns or may(actor, ARREARS_READERS, unit.estate)


def may_fetch_receipt(actor, estate, *, owns: bool) -> bool:
    """A payment's receipt: the unit's own owner and fee staff only."""
    return owns or may(actor, FEE_STAFF, estate)


# Reverse a payment recorded in error, or a bill issued in error: fee staff.
may_reverse_fee_payment = may_reverse_bill = may_manage_fees


# --- the maintenance fund ----------------------------------------------------------------------------
def may_review_fund(actor, application, level) -> bool:
    """The level's reviewers — never the applicant, whatever roles they hold."""
    if actor is not None and application.applied_by_id == actor.pk:
        return False
    return level in REVIEWERS and may(actor, REVIEWERS[level], application.estate)


def may_pay_fund(actor, application) -> bool:
    """The bookkeepers pay an approved application out of the fund, once — never its own applicant."""
    if actor is not None and application.applied_by_id == actor.pk:
        return False
    return application.status == FundStatus.APPROVED and may_keep_books(actor, application.estate)


may_deposit_fund = may_keep_books


def fund_levels_for(actor, application) -> list[str]:
    """The levels of a reviewing application still open that this actor may decide (reviews prefetched)."""
    if application.status != FundStatus.REVIEWING:
        return []
    return [r.level for r in application.reviews.all()
            if r.approved is None and may_review_fund(actor, application, r.level)]


# --- 三审 and accountability -------------------------------------------------------------------------
def signs_for_bank(actor, estate) -> bool:
    """A bank officer signs for the bank in person (a bookkeeper may only record its confirmation)."""
    return actor is None or scope_for(actor).is_root or may(actor, BANK_SIGNERS, estate)


def may_sign_audit_party(actor, estate, party: str) -> bool:
    """Does the actor hold the role that signs for this party of 三审 (or, for the bank, may record its
    confirmation)? Whether they already signed another party of the period is audit_parties_for's."""
    if party not in AUDIT_PARTY_SIGNERS:
        return False
    if party == AuditParty.BANK and may_keep_books(actor, estate):
        return True
    return may(actor, AUDIT_PARTY_SIGNERS[party], estate)


def may_sign_audit(actor, estate) -> bool:
    """May the actor sign any party of an estate's 三审?"""
    return any(may_sign_audit_party(actor, estate, party) for party in AUDIT_PARTY_SIGNERS)


def audit_parties_for(actor, period) -> list[str]:
    """The parties of an open period still to sign that this actor may sign now: none once they signed
    (or recorded) one party of it — one person never stands for two bodies (signoffs prefetched)."""
    if period.completed_at is not None or actor is None:
        return []
    signoffs = list(period.signoffs.all())
    if any(s.recorded_by_id == actor.pk for s in signoffs):
        return []
    done = {s.party for s in signoffs}
    return [p for p in AUDIT_PARTY_SIGNERS if p not in done and may_sign_audit_party(actor, period.estate, p)]


def may_open_audit_case(actor, estate) -> bool:
    """Supervisors open an accountability case and close it."""
    return may(actor, CASE_OPENERS, estate)


may_close_audit_case = may_open_audit_case


def may_supervise(actor) -> bool:
    return scope_for(actor).has_any(SUPERVISORS)


def may_trace_money(actor, estate) -> bool:
    """Follow an estate's figures to the audit rows behind them: its supervisors (who read the trail)."""
    return actor is not None and may(actor, SUPERVISORS, estate)


def may_review_alert(actor, estate) -> bool:
    """Mark an alert of this estate reviewed (with a note): its supervisors, no one else."""
    return actor is not None and may(actor, ALERT_REVIEWERS, estate)

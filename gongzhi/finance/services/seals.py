"""Seals under custody: each registered with its custodian (in the community's 代管箱 or not), handed
over only with both parties signing (the giver asks, the receiver confirms), each use asked for and
signed on its own approval, released by the custodian only against a fully signed form (双章: both
forms, for a major matter), and taken back with a scan."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from gongzhi.core import clock, registry
from gongzhi.core import services as core
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.choices import ApprovalStatus
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.core.text import ANY_LENGTH, clean_text
from gongzhi.finance.choices import AuditAction, HandoverStatus, SealKind, SealUseStatus
from gongzhi.finance.models import Seal, SealHandover, SealUse
from gongzhi.finance.rules import (
    BOOKKEEPERS,
    MONEY_READERS,
    REQUESTERS,
    SEAL_KEEPERS,
    SEAL_SIGNERS,
    may_cancel_handover,
    may_confirm_handover,
    may_hand_over_seal,
    may_hand_seal,
)
from gongzhi.meetings.models import Matter

DOUBLE_SEAL = (SealKind.OWNERS_ASSEMBLY, SealKind.COMMITTEE)
SEAL_RULE_KIND = "seals"  # the rules library's 印章管理制度 (one of 一方案四章程)
SEAL_NOT_APPROVED = "用印审批单未签署完成，不能交出印章 / The seal-use form is not fully signed: the seal stays"
SEAL_OUT = "该印章已借出，尚未归还 / This seal is out and not yet returned"
NOT_CUSTODIAN = "只有印章保管人可以交出或收回印章 / Only the seal's custodian releases or takes it back"
NOT_OUT = "该印章使用未处于借出状态 / This seal use is not out"
DOCUMENT_REQUIRED = "请写明用印文件和事由 / Name the document and the purpose"


@transaction.atomic
def seal_use_request(actor, *, seal_id: int, document: str, purpose: str, both: bool = False,
                     matter_id: int | None = None) -> list[SealUse]:
    """Ask to use a seal; a major matter (三重一大) always takes both of the estate's seals (双章),
    each with its own signed approval."""
    seal = object_for(actor, Seal.objects.select_related("estate"), seal_id, roles=REQUESTERS)
    document = clean_text(document, ANY_LENGTH, field="document")
    purpose = clean_text(purpose, ANY_LENGTH, field="purpose")
    if not document or not purpose:
        raise InvalidInput(DOCUMENT_REQUIRED, field="document")
    if matter_id is not None:
        matter = get_in_scope(Matter.objects.filter(estate=seal.estate), pk=matter_id)
        both = both or matter.major
    # 双章: the owners' assembly's and the committee's seals (the finance seal is not one of the two).
    seals = list(Seal.objects.filter(estate=seal.estate, kind__in=DOUBLE_SEAL).order_by("kind")) if both else [seal]
    rule = registry.rule_in_force(SEAL_RULE_KIND, seal.estate, clock.today())  # the version this use follows
    uses = []
    for s in seals:
        approval = core.approval_create(actor, estate_id=s.estate_id, kind="seal_use", roles=SEAL_SIGNERS,
                                        title=f"使用{s.get_kind_display()}：{document}", body=purpose)
        uses.append(SealUse.objects.create(
            seal=s, document=document[:200], purpose=purpose[:200], approval=approval, requested_by=actor,
            rule_version_id=rule.version_id if rule else None, rule_label=rule.label[:200] if rule else "",
            rule_url=rule.url[:200] if rule else ""))
    if len(uses) == 2:
        SealUse.objects.filter(pk=uses[0].pk).update(pair=uses[1])
        SealUse.objects.filter(pk=uses[1].pk).update(pair=uses[0])
    for use in uses:
        audit_record(actor, AuditAction.SEAL_REQUEST, use, after=snapshot(use))
    return uses


def seal_use_decided(approval) -> None:
    """The seal_use approval kind's on_decided: the use follows its approval."""
    status = SealUseStatus.APPROVED if approval.status == ApprovalStatus.APPROVED else SealUseStatus.REJECTED
    SealUse.objects.filter(approval=approval, status=SealUseStatus.PENDING).update(status=status)


def _custody(actor, use_id):
    scope = scope_for(actor)
    visible = get_in_scope(SealUse.objects.filter(seal__estate__in=scope.estates()), pk=use_id)
    seal = Seal.objects.select_for_update().get(pk=visible.seal_id)  # one release at a time per seal
    use = SealUse.objects.select_for_update().get(pk=visible.pk)
    if not may_hand_seal(actor, seal):
        raise PermissionDenied(NOT_CUSTODIAN)
    return seal, use


@transaction.atomic
def seal_release(actor, *, use_id: int) -> SealUse:
    seal, use = _custody(actor, use_id)
    if use.status != SealUseStatus.APPROVED:
        raise WrongState(SEAL_NOT_APPROVED)
    if seal.out_with_id is not None:
        raise WrongState(SEAL_OUT)
    if use.pair_id and use.pair.status not in (SealUseStatus.APPROVED, SealUseStatus.OUT, SealUseStatus.RETURNED):
        raise WrongState(SEAL_NOT_APPROVED)  # 双章: both forms signed before either seal is used
    use.status, use.released_at, use.released_by = SealUseStatus.OUT, clock.now(), actor
    use.save(update_fields=["status", "released_at", "released_by"])
    seal.out_with = use
    seal.save(update_fields=["out_with"])
    audit_record(actor, AuditAction.SEAL_RELEASE, use, after={"seal": seal.pk})
    return use


@transaction.atomic
def seal_return(actor, *, use_id: int, scan=None) -> SealUse:
    seal, use = _custody(actor, use_id)
    if use.status != SealUseStatus.OUT:
        raise WrongState(NOT_OUT)
    if scan is not None:
        use.scan.save(scan.name, scan, save=False)
    use.status, use.returned_at = SealUseStatus.RETURNED, clock.now()
    use.save()
    seal.out_with = None
    seal.save(update_fields=["out_with"])
    audit_record(actor, AuditAction.SEAL_RETURN, use, after={"seal": seal.pk})
    return use


UNKNOWN_KIND = "未知的印章类别 / Unknown kind of seal"
ALREADY_REGISTERED = "该小区已登记此类印章 / This estate has already registered this seal"
NOT_A_KEEPER = (
    "保管人须为该小区的社区工作人员或业委会成员 / The custodian must be community staff or a committee member "
    "of this estate"
)
BOX_NEEDS_COMMUNITY = (
    "存放于社区代管箱的印章须由社区工作人员保管 / A seal kept in the community's box is kept by community staff"
)
SAME_CUSTODIAN = "接收人已是该印章的保管人 / The receiver already keeps this seal"
HANDOVER_OPEN = "该印章已有一项待确认的交接 / This seal already has a handover waiting for confirmation"
HANDOVER_DONE = "该交接已确认或已取消 / This handover has already been confirmed or cancelled"
ONLY_RECEIVER = "只有接收人本人可以确认接收印章 / Only the receiver confirms taking the seal"
NOT_A_PARTY = "只有交出人或接收人可以取消交接 / Only the giver or the receiver cancels a handover"
NOTE_TOO_LONG = "交接说明最多 {n} 字 / The note is at most {n} characters"


def _keeper(estate, user_id, kept_by_community: bool):
    """The custodian named for a seal of `estate`: someone who holds a keeper's role over it now
    (community staff for a seal in the community's box). Anyone else is refused by name, not as
    missing: the form lists only the estate's keepers."""
    roles = BOOKKEEPERS if kept_by_community else SEAL_KEEPERS
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id not in holders(roles, estate):
        if kept_by_community and isinstance(user_id, int) and user_id in holders(SEAL_KEEPERS, estate):
            raise InvalidInput(BOX_NEEDS_COMMUNITY, field="custodian_id")
        raise InvalidInput(NOT_A_KEEPER, field="custodian_id")
    return get_user_model().objects.get(pk=user_id)


@transaction.atomic
def seal_register(actor, *, estate_id: int, kind: str, custodian_id: int, kept_by_community: bool = True) -> Seal:
    """Register one of an estate's seals (业主大会章, 业委会章, 财务专用章) with its custodian, and whether
    it is kept in the community's 代管箱."""
    estate = estate_for(actor, estate_id, roles=BOOKKEEPERS)
    if kind not in SealKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    custodian = _keeper(estate, custodian_id, bool(kept_by_community))
    if Seal.objects.filter(estate=estate, kind=kind).exists():
        raise WrongState(ALREADY_REGISTERED)
    try:
        with transaction.atomic():
            seal = Seal.objects.create(estate=estate, kind=kind, custodian=custodian,
                                       kept_by_community=bool(kept_by_community), custodian_since=clock.now())
    except IntegrityError:  # registered at the same moment by someone else
        raise WrongState(ALREADY_REGISTERED) from None
    audit_record(actor, AuditAction.SEAL_REGISTER, seal, after=snapshot(seal))
    return seal


def _locked_seal(actor, seal_id):
    scope = scope_for(actor)
    visible = get_in_scope(Seal.objects.filter(estate__in=scope.estates(MONEY_READERS)) if actor is not None
                           else Seal.objects.all(), pk=seal_id)
    return Seal.objects.select_for_update(of=("self",)).select_related("estate__community__subdistrict").get(pk=visible.pk)


@transaction.atomic
def seal_handover_request(actor, *, seal_id: int, receiver_id: int, kept_by_community: bool | None = None,
                          note: str = "") -> SealHandover:
    """The custodian hands the seal over (the giver's signature); custody passes only when the receiver
    confirms. A seal out with a use stays where it is until it comes back."""
    seal = _locked_seal(actor, seal_id)
    if not may_hand_over_seal(actor, seal):
        raise PermissionDenied(NOT_CUSTODIAN)
    if seal.out_with_id is not None:
        raise WrongState(SEAL_OUT)
    note = clean_text(note, 200, message_if_long=NOTE_TOO_LONG, field="note")
    box = seal.kept_by_community if kept_by_community is None else bool(kept_by_community)
    receiver = _keeper(seal.estate, receiver_id, box)
    if receiver.pk == seal.custodian_id:
        raise InvalidInput(SAME_CUSTODIAN, field="receiver_id")
    if SealHandover.objects.filter(seal=seal, status=HandoverStatus.PENDING).exists():
        raise WrongState(HANDOVER_OPEN)
    handover = SealHandover.objects.create(seal=seal, giver_id=seal.custodian_id, receiver=receiver,
                                           kept_by_community=box, note=note)
    audit_record(actor, AuditAction.SEAL_HANDOVER_REQUEST, handover, after=snapshot(handover))
    return handover


def _locked_handover(actor, handover_id):
    scope = scope_for(actor)
    base = SealHandover.objects.all()
    if actor is not None and not scope.is_root:
        # The receiver sees the handover addressed to them even before the seal's books are theirs to read.
        base = base.filter(Q(seal__estate__in=scope.estates(MONEY_READERS)) | Q(receiver=actor) | Q(giver=actor))
    visible = get_in_scope(base, pk=handover_id)
    seal = Seal.objects.select_for_update().get(pk=visible.seal_id)  # the seal first, as in a release
    return seal, SealHandover.objects.select_for_update().get(pk=visible.pk)


@transaction.atomic
def seal_handover_confirm(actor, *, handover_id: int) -> SealHandover:
    """The receiver's signature: the seal is now theirs to keep."""
    seal, handover = _locked_handover(actor, handover_id)
    if not may_confirm_handover(actor, handover):
        raise PermissionDenied(ONLY_RECEIVER)
    if handover.status != HandoverStatus.PENDING:
        raise WrongState(HANDOVER_DONE)
    if seal.out_with_id is not None:
        raise WrongState(SEAL_OUT)
    now = clock.now()
    handover.status, handover.decided_at, handover.decided_by = HandoverStatus.CONFIRMED, now, actor
    handover.save(update_fields=["status", "decided_at", "decided_by"])
    seal.custodian_id, seal.custodian_since, seal.kept_by_community = handover.receiver_id, now, handover.kept_by_community
    seal.save(update_fields=["custodian", "custodian_since", "kept_by_community"])
    audit_record(actor, AuditAction.SEAL_HANDOVER_CONFIRM, handover,
                 after={"seal": seal.pk, "custodian": handover.receiver_id, "from": handover.giver_id})
    return handover


@transaction.atomic
def seal_handover_cancel(actor, *, handover_id: int) -> SealHandover:
    """The giver withdraws the handover, or the receiver declines it; the seal stays with the giver."""
    _seal, handover = _locked_handover(actor, handover_id)
    if not may_cancel_handover(actor, handover):
        raise PermissionDenied(NOT_A_PARTY)
    if handover.status != HandoverStatus.PENDING:
        raise WrongState(HANDOVER_DONE)
    handover.status, handover.decided_at, handover.decided_by = HandoverStatus.CANCELLED, clock.now(), actor
    handover.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(actor, AuditAction.SEAL_HANDOVER_CANCEL, handover, after={"seal": handover.seal_id})
    return handover

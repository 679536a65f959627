"""Seals under custody: each use asked for and signed on its own approval, released by the custodian
only against a fully signed form (双章: both forms, for a major matter), and taken back with a scan."""

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.choices import ApprovalStatus
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.choices import AuditAction, SealUseStatus
from gongzhi.finance.models import Seal, SealUse
from gongzhi.finance.rules import BOOKKEEPERS, REQUESTERS, SEAL_SIGNERS, may_hand_seal
from gongzhi.meetings.models import Matter

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
    document, purpose = (document or "").strip(), (purpose or "").strip()
    if not document or not purpose:
        raise InvalidInput(DOCUMENT_REQUIRED, field="document")
    if matter_id is not None:
        matter = get_in_scope(Matter.objects.filter(estate=seal.estate), pk=matter_id)
        both = both or matter.major
    seals = list(Seal.objects.filter(estate=seal.estate).order_by("kind")) if both else [seal]
    uses = []
    for s in seals:
        approval = core.approval_create(actor, estate_id=s.estate_id, kind="seal_use", roles=SEAL_SIGNERS,
                                        title=f"使用{s.get_kind_display()}：{document}", body=purpose)
        uses.append(SealUse.objects.create(seal=s, document=document[:200], purpose=purpose[:200],
                                           approval=approval, requested_by=actor))
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


@transaction.atomic
def seal_register(actor, *, estate_id: int, kind: str, custodian_id: int, kept_by_community: bool = True) -> Seal:
    estate = estate_for(actor, estate_id, roles=BOOKKEEPERS)
    custodian = get_in_scope(get_user_model().objects.all(), pk=custodian_id)
    seal = Seal.objects.create(estate=estate, kind=kind, custodian=custodian, kept_by_community=kept_by_community)
    audit_record(actor, AuditAction.SEAL_REGISTER, seal, after=snapshot(seal))
    return seal

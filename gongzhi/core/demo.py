"""The kernel's slice of the demo: approvals (审批单) in the inbox — the committee seal (双章三审) for a
contract renewal waiting for signatures, an expense signed by all three, a lift contract's seal."""

from gongzhi.core import services as core
from gongzhi.core.roles import Role

SEAL_ROLES = [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR]


def load(w) -> None:
    # Raised by a committee member: nobody signs what they asked for, so the chair can sign them.
    core.approval_create(w.member_user, estate_id=w.pacific.pk, title="使用业委会公章：续签物业服务合同",
                         body="太平洋花园与太平洋物业服务有限公司物业服务合同到期续签，需加盖业委会公章。",
                         roles=SEAL_ROLES, kind="seal_use")
    done = core.approval_create(w.member_user, estate_id=w.pacific.pk, title="公共收益支出：小区路灯维修 3,860 元",
                                roles=SEAL_ROLES, kind="expense")
    core.approval_sign(w.zhao_user, approval_id=done.pk, role=Role.COMMITTEE_CHAIR, comment="同意")
    core.approval_sign(w.yan, approval_id=done.pk, comment="同意，按程序公示")
    core.approval_sign(w.sun, approval_id=done.pk, comment="票据齐全")
    core.approval_create(w.zhang, estate_id=w.yiwu.pk, title="电梯维保合同盖章",
                         roles=[Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY], kind="seal_use")

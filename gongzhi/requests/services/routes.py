"""The routing table: a community overrides the shipped row for one category."""

from django.db import transaction

from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.clock import UNIT_LIMITS, Unit
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.places.models import Community
from gongzhi.requests.choices import FIRST_HANDLERS, AuditAction, Category, Tier
from gongzhi.requests.models import Route
from gongzhi.requests.rules import may_edit_routing
from gongzhi.requests.services.common import UNKNOWN_CATEGORY

NOT_ROUTER = "只有社区工作人员可以修改派单规则 / Only community staff can change the routing table"
UNKNOWN_HANDLER = "首办单位只能是物业、三方议事会、楼栋长或社区 / The first handler is the property company, the tripartite council, a building head or the community"
UNKNOWN_TIER = "未知的诉求层级 / Unknown tier"
TERM_RANGE = ("时限须为 1 至 {limit} {unit} / A deadline in {unit_en} is 1 to {limit}")
UNKNOWN_UNIT = "时限单位只能是小时、自然日或工作日 / The unit is hours, days or working days"

UNIT_EN = {Unit.HOURS: "hours", Unit.DAYS: "days", Unit.WORKING_DAYS: "working days"}


def route_set(actor, *, community_id: int, category: str, handler: str, tier: str, response_amount: int,
              resolve_amount: int, response_unit: str = Unit.HOURS, resolve_unit: str = Unit.WORKING_DAYS) -> Route:
    """A community overrides the shipped routing row for one category; each limit has its unit."""
    scope = scope_for(actor)
    community = get_in_scope(scope.communities(), pk=community_id) if not scope.is_root else (
        Community.objects.filter(pk=community_id).first())
    if community is None:
        raise NotFound()
    if not may_edit_routing(actor, community):
        raise PermissionDenied(NOT_ROUTER)
    if category not in Category.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    if handler not in FIRST_HANDLERS:
        raise InvalidInput(UNKNOWN_HANDLER, field="handler")
    if tier not in Tier.values:
        raise InvalidInput(UNKNOWN_TIER, field="tier")
    for name, amount, unit in (("response", response_amount, response_unit), ("resolve", resolve_amount, resolve_unit)):
        _check_term(name, amount, unit)
    with transaction.atomic():
        row = Route.objects.select_for_update().filter(community=community, category=category).first()
        before = snapshot(row) if row else None
        row = row or Route(community=community, category=category)
        row.handler, row.tier = handler, tier
        row.response_amount, row.response_unit = response_amount, response_unit
        row.resolve_amount, row.resolve_unit = resolve_amount, resolve_unit
        row.save()
        audit_record(actor, AuditAction.REQUEST_ROUTE_SET, row, before=before, after=snapshot(row))
    return row


def _check_term(name: str, amount, unit) -> None:
    if unit not in Unit.values:
        raise InvalidInput(UNKNOWN_UNIT, field=f"{name}_unit")
    limit = UNIT_LIMITS[unit]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= limit:
        raise InvalidInput(TERM_RANGE.format(limit=f"{limit:,}", unit=Unit(unit).label, unit_en=UNIT_EN[unit]),
                           field=f"{name}_amount")

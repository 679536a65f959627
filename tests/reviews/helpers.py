"""Shared pieces of the reviews tests: 义乌城's company, an evaluation started by 燕书记, a clock moved on."""

import datetime

from gongzhi.bodies.models import Organisation
from gongzhi.core import clock as source
from gongzhi.reviews import services
from tests.helpers import YIWU, estate

YIWU_COMPANY = "安阳义乌城物业服务有限公司"
ITEMS = [{"name": "保洁", "weight": 30}, {"name": "安保", "weight": 30}, {"name": "维修响应", "weight": 40}]


def zh(template: str, **kw) -> str:
    """The Chinese half of a message constant, filled in."""
    return template.split(" / ")[0].format(**kw)


def company(name: str = YIWU_COMPANY) -> Organisation:
    return Organisation.objects.get(name=name)


def evaluation(persona, who="yanshuji", days=7, **kw):
    today = source.today()
    data = {"estate_id": estate(YIWU).pk, "company_id": company().pk, "title": "义乌城物业服务评议",
            "period_start": today - datetime.timedelta(days=365), "period_end": today - datetime.timedelta(days=1),
            "closes_at": source.now() + datetime.timedelta(days=days), "items": ITEMS} | kw
    return services.evaluation_create(persona(who) if isinstance(who, str) else who, **data)


def item_ids(ev) -> list[str]:
    return [str(i.pk) for i in ev.items.all()]


def marks(ev, *values) -> dict:
    return dict(zip(item_ids(ev), values, strict=True))


def after_close(clock, ev) -> None:
    clock.set(ev.closes_at + datetime.timedelta(minutes=1))

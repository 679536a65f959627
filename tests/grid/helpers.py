"""Shared pieces of the grid tests: the demo's plans and people on the register, a small photo."""

import io

from django.contrib.auth import get_user_model

from gongzhi.grid.models import PatrolPlan, SpecialPerson
from tests.helpers import PACIFIC, YIWU, unit


def zh(template: str, **kw) -> str:
    """The Chinese half of a message constant, filled in."""
    return template.split(" / ")[0].format(**kw)


def user(username: str):
    return get_user_model().objects.get(username=username)


def grid_plan() -> PatrolPlan:
    return PatrolPlan.objects.get(estate__name=YIWU, title="网格员日常巡查")


def property_plan() -> PatrolPlan:
    return PatrolPlan.objects.get(estate__name=YIWU, title="物业每日巡查")


def pacific_plan() -> PatrolPlan:
    return PatrolPlan.objects.get(estate__name=PACIFIC, title="物业楼栋巡查")


def special(code: str, estate_name: str = YIWU) -> SpecialPerson:
    return SpecialPerson.objects.get(unit=unit(estate_name, code), active=True)


def jpeg(size=(640, 480), colour=(200, 60, 60)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()

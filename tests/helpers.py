from gongzhi.places.models import Estate, Unit

YIWU = "义乌城小区"
PACIFIC = "太平洋花园"


def estate(name: str) -> Estate:
    return Estate.objects.get(name=name)


def unit(estate_name: str, code: str) -> Unit:
    return Unit.objects.get(estate__name=estate_name, code=code)

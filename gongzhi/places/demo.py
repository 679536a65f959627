"""Places' slice of the demo: 光华路街道 (文峰区, 安阳) and its 8 communities, with estates imported
from ledgers as a community keeps them — 义乌城小区 (17 buildings, ~3,000 households), an estate
modelled on 太平洋花园 (11 buildings, 306 households), micro estates and no-property estates."""

from gongzhi import synthetic
from gongzhi.places import ledger
from gongzhi.places import services as places
from gongzhi.places.models import Estate, Subdistrict

DISTRICT = "文峰区"
SUBDISTRICT = "光华路街道"
COMMUNITIES = ["明福社区", "安和苑社区", "光华社区", "文昌社区", "东关社区", "西关社区", "南关社区", "北关社区"]


def _units(estate: str, buildings: int, entrances: int, floors: int, per_floor: int, limit: int | None = None):
    count = 0
    for b in range(1, buildings + 1):
        for e in range(1, entrances + 1):
            for f in range(1, floors + 1):
                for n in range(1, per_floor + 1):
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield str(b), str(e), f"{b}-{e}-{f}{n:02d}"


def _ledger_rows(rng, community: str, estate: str, layout: dict, developer_every: int = 0, area=(60, 140),
                 personas: dict | None = None):
    """A ledger as a community keeps it; `personas` puts the demo's named people in their flats."""
    table = [["社区", "小区", "楼栋", "单元", "房号", "建筑面积", "房屋类型", "业主姓名", "联系电话", "身份证号"]]
    personas = personas or {}
    for i, (b, e, code) in enumerate(_units(estate, **layout)):
        square = f"{rng.uniform(*area):.2f}"
        if code in personas:
            table.append([community, estate, b, e, code, square, "住宅", *personas[code]])
        elif developer_every and i % developer_every == developer_every - 1:
            table.append([community, estate, b, e, code, square, "住宅", "建设单位", "", ""])
        else:
            table.append([community, estate, b, e, code, square, "住宅", synthetic.person_name(rng),
                          synthetic.phone(rng), synthetic.id_number(rng)])
    return table


def _personas(rng, names: dict[str, str]) -> dict[str, list[str]]:
    return {code: [name, synthetic.phone(rng), synthetic.id_number(rng)] for code, name in names.items()}


def _import(table):
    return ledger.ledger_import(None, rows=ledger.parse_rows(table))


def already_loaded() -> bool:
    return Subdistrict.objects.filter(name=SUBDISTRICT, district__name=DISTRICT).exists()


def load(w) -> None:
    """Sets w.district, w.sub, w.mingfu, w.anhe, w.grid1, w.grid2, w.estates (by name) and w.yiwu,
    w.pacific, w.yucai, w.fangzhi."""
    rng = w.rng
    w.district = places.place_create(None, kind="district", name=DISTRICT)
    w.sub = places.place_create(None, kind="subdistrict", name=SUBDISTRICT, parent_id=w.district.pk, code="guanghualu")
    w.communities = {n: places.place_create(None, kind="community", name=n, parent_id=w.sub.pk) for n in COMMUNITIES}
    w.mingfu, w.anhe = w.communities["明福社区"], w.communities["安和苑社区"]
    w.grid1 = places.place_create(None, kind="grid", name="第一网格", parent_id=w.mingfu.pk)
    w.grid2 = places.place_create(None, kind="grid", name="第二网格", parent_id=w.mingfu.pk)

    _import(_ledger_rows(rng, "明福社区", "义乌城小区",
                         dict(buildings=17, entrances=2, floors=18, per_floor=5, limit=3000), developer_every=75,
                         personas=_personas(rng, {"5-1-302": "王秀兰", "9-1-805": "何敏"})))
    li = ["李建国", synthetic.phone(rng), synthetic.id_number(rng)]
    _import(_ledger_rows(rng, "明福社区", "太平洋花园",
                         dict(buildings=11, entrances=1, floors=7, per_floor=4, limit=306),
                         personas={"2-1-301": li, "6-1-502": li,  # one owner, two flats
                                   **_personas(rng, {"1-1-101": "赵丽华", "4-1-104": "黄志强", "3-1-201": "陈国平"})}))
    micro = {"安和苑1号院": 48, "安和苑2号院": 36, "安和苑3号院": 60, "育才新村": 80}
    for name, households in micro.items():
        _import(_ledger_rows(rng, "安和苑社区", name, dict(buildings=3, entrances=1, floors=6, per_floor=4,
                                                           limit=households)))
    _import(_ledger_rows(rng, "安和苑社区", "老纺织厂家属院",
                         dict(buildings=5, entrances=2, floors=6, per_floor=2, limit=120)))
    others = {"光华社区": ("光华小区", 420), "文昌社区": ("文昌花园", 260), "东关社区": ("东关新村", 90),
              "西关社区": ("西关佳苑", 180)}
    for community, (name, households) in others.items():
        _import(_ledger_rows(rng, community, name, dict(buildings=6, entrances=2, floors=6, per_floor=4,
                                                        limit=households)))
    w.estates = {e.name: e for e in Estate.objects.all()}
    w.yiwu, w.pacific, w.yucai, w.fangzhi = (w.estates[n] for n in ("义乌城小区", "太平洋花园", "育才新村", "老纺织厂家属院"))
    places.estate_update(None, estate_id=w.yiwu.pk, grid_id=w.grid1.pk, household_count=3000, address="文峰区光华路")
    places.estate_update(None, estate_id=w.pacific.pk, grid_id=w.grid2.pk, household_count=306)
    # Gate positions (安阳市文峰区, WGS-84) and the names residents use, for Open311 placement.
    positions = {"义乌城小区": ("36.097100", "114.392300", ["义乌城"]),
                 "太平洋花园": ("36.101500", "114.398800", ["太平洋"])}
    for name, (lat, lng, aliases) in positions.items():
        Estate.objects.filter(name=name).update(latitude=lat, longitude=lng, aliases=aliases)

"""Ledgers (台账): import estates, buildings, units and owners from the Excel or CSV files that
communities already keep, and export them back.

Import is all-or-nothing: every row is checked first; a file with any bad row imports nothing
and the caller gets one error per problem (row number as in the spreadsheet, column, reason).
Headers may be Chinese (房号, 建筑面积, 业主姓名, 联系电话…) or English.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from gongzhi.core.api_schema import no_control_characters
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.exports import xlsx_bytes
from gongzhi.core.idnumbers import id_number_valid
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.tables import read_table  # noqa: F401 — the ledger pages and commands read files through it
from gongzhi.people.masking import person_contact
from gongzhi.people.models import Ownership, Person, PersonKind
from gongzhi.people.selectors import person_estate_ids
from gongzhi.places import rules
from gongzhi.places.choices import AuditAction
from gongzhi.places.models import Building, Community, Entrance, Estate, Unit, UnitKind

# canonical key -> accepted headers (compared without spaces, case-insensitive)
COLUMNS: dict[str, tuple[str, ...]] = {
    "community": ("社区", "community"),
    "estate": ("小区", "小区名称", "estate"),
    "building": ("楼栋", "楼号", "楼栋号", "building"),
    "entrance": ("单元", "单元号", "entrance"),
    "unit": ("房号", "房屋编号", "unit", "unitcode", "unit_code"),
    "area": ("建筑面积", "面积", "建筑面积(m²)", "建筑面积（m²）", "area"),
    "kind": ("房屋类型", "类型", "kind"),
    "owner": ("业主姓名", "业主", "owner", "ownername", "owner_name"),
    "owner_kind": ("业主类型", "ownerkind", "owner_kind"),
    "phone": ("联系电话", "电话", "手机", "phone"),
    "id_number": ("身份证号", "证件号码", "idnumber", "id_number"),
}
HEADERS_OUT = ["社区", "小区", "楼栋", "单元", "房号", "建筑面积", "房屋类型", "业主姓名", "业主类型", "联系电话", "身份证号"]
REQUIRED = ("estate", "building", "unit", "area", "owner")
KIND_NAMES = {"住宅": UnitKind.RESIDENTIAL, "商业": UnitKind.COMMERCIAL, "商铺": UnitKind.COMMERCIAL,
              "车位": UnitKind.PARKING, **{k.value: k.value for k in UnitKind}}
DEVELOPER_NAMES = {"建设单位", "开发商", "developer"}
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")

FILE_EMPTY = "台账中没有数据行 / The ledger has no data rows"
MISSING_COLUMNS = "缺少必需的列：{cols} / Missing required columns: {cols}"
NOTHING_IMPORTED = "台账有{n}处错误，未导入任何数据 / Nothing imported"
NOT_A_NUMBER = "不是有效数字：{value} / not a number"
UNKNOWN_COMMUNITY = "未找到社区或无权导入：{zh} / Unknown community: {en}"
CODE_DIGITS = ("编号中的数字须为半角 0-9，不能用“{char}”这样的上标、圈码或全角数字：{value} / "
               "a code's digits must be ASCII 0-9")
IMPORT_NEEDS_ROLE = "只有社区工作人员、社区书记或管理员可以导入台账 / Only community staff or administrators can import"


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self):
        return f"第{self.row}行 [{self.column}] {self.reason}"


class LedgerImportError(InvalidInput):
    """Every problem found in a ledger; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "；".join(str(e) for e in errors[:20])
        more = f"（另有{len(errors) - 20}处）" if len(errors) > 20 else ""
        super().__init__(f"{NOTHING_IMPORTED.format(n=len(errors))}: {shown}{more}")


def header_map(header: list[str], columns: dict[str, tuple[str, ...]] = COLUMNS) -> dict[str, int]:
    """Column key -> position, matching headers in any of their accepted spellings."""
    wanted = {alias.replace(" ", "").lower(): key for key, aliases in columns.items() for alias in aliases}
    found = {}
    for index, name in enumerate(header):
        key = wanted.get(name.replace(" ", "").lower())
        if key and key not in found:
            found[key] = index
    return found


# --- validating -----------------------------------------------------------------------------
@dataclass
class LedgerRow:
    line: int
    community: str
    estate: str
    building: str
    entrance: str
    unit: str
    area: Decimal
    kind: str
    owner: str
    owner_kind: str
    phone: str
    id_number: str


def _odd_digit(code: str) -> str:
    """The first character of a code that Python counts as a digit but is not ASCII 0-9 ("²", "①",
    "３", "٣"), or "". Such a code sorts and reads as a number nowhere, so it is refused at import."""
    return next((ch for ch in code if ch.isdigit() and ch not in "0123456789"), "")


def _hidden_characters(cell) -> str:
    """Why a cell cannot be kept: it holds NUL or another control character, or a Unicode direction
    control (it would make a name or a code read reversed on every page and export); or ""."""
    try:
        no_control_characters(cell)
    except ValueError as exc:
        return str(exc)
    return ""


def parse_rows(table: list[list[str]], *, community_name: str = "", estate_name: str = "") -> list[LedgerRow]:
    """Check every row; raise LedgerImportError listing every problem, or return clean rows."""
    if not table or not any(table[0]):
        raise InvalidInput(FILE_EMPTY)
    hidden = next((reason for reason in map(_hidden_characters, table[0]) if reason), "")
    if hidden:
        raise InvalidInput(hidden)
    columns = header_map(table[0])
    column_names = {index: COLUMNS[key][0] for key, index in columns.items()}
    required = [c for c in REQUIRED if c not in columns and not (c == "estate" and estate_name)]
    if required:
        names = "、".join(COLUMNS[c][0] for c in required)
        raise InvalidInput(MISSING_COLUMNS.format(cols=names))
    errors: list[RowError] = []
    rows: list[LedgerRow] = []
    units_seen: dict[tuple[str, str], LedgerRow] = {}
    owners_seen: set[tuple[str, str, str]] = set()
    for line, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue

        def get(key, raw=raw):
            index = columns.get(key)
            return raw[index].strip() if index is not None and index < len(raw) else ""

        def bad(key, reason, line=line):
            errors.append(RowError(line, COLUMNS[key][0], reason))

        # every cell, read or not: NUL, control characters and direction controls are refused
        for index, cell in enumerate(raw):
            reason = _hidden_characters(cell)
            if reason:
                name = column_names.get(index) or (str(table[0][index]).strip() if index < len(table[0]) else "")
                errors.append(RowError(line, name or str(index + 1), reason))
        values = {key: get(key) for key in COLUMNS}
        values["estate"] = values["estate"] or estate_name
        values["community"] = values["community"] or community_name
        for key in REQUIRED:
            if not values[key]:
                bad(key, "必填项为空 / required")
        if not values["community"]:
            bad("community", "未指定社区 / no community given")
        area = None
        if values["area"]:
            try:
                area = Decimal(values["area"].replace(",", ""))
                if not area.is_finite() or area <= 0 or area >= Decimal("100000"):
                    bad("area", f"面积应为大于0的数：{values['area']} / area must be a positive number")
                    area = None
                elif area.as_tuple().exponent < -2:
                    bad("area", f"面积最多两位小数：{values['area']} / at most 2 decimals")
                    area = None
            except InvalidOperation:
                bad("area", NOT_A_NUMBER.format(value=values["area"]))
        kind = KIND_NAMES.get(values["kind"] or "住宅")
        if kind is None:
            bad("kind", f"房屋类型应为住宅、商业或车位：{values['kind']} / unknown kind")
        if values["phone"] and not PHONE_RE.match(values["phone"]):
            bad("phone", f"电话号码格式不正确：{values['phone']} / malformed phone number")
        if values["id_number"] and not id_number_valid(values["id_number"]):
            bad("id_number", "身份证号码校验不通过 / invalid ID number")
        owner_kind = PersonKind.DEVELOPER if (
            values["owner_kind"] in DEVELOPER_NAMES or values["owner"] in DEVELOPER_NAMES
        ) else PersonKind.NATURAL
        for code_key in ("building", "entrance", "unit"):
            odd = _odd_digit(values[code_key])
            if odd:
                bad(code_key, CODE_DIGITS.format(char=odd, value=values[code_key]))
        for code_key in ("building", "entrance"):
            if len(values[code_key]) > 16:
                bad(code_key, "内容过长 / too long")
        if len(values["owner"]) > 100 or len(values["unit"]) > 32:
            bad("owner" if len(values["owner"]) > 100 else "unit", "内容过长 / too long")
        key = (values["estate"], values["unit"])
        earlier = units_seen.get(key)
        if earlier is not None and area is not None and (earlier.area != area or earlier.kind != kind):
            bad("area", f"与第{earlier.line}行同一房屋的面积或类型不一致 / differs from row {earlier.line}")
        owner_key = (values["estate"], values["unit"], values["id_number"] or values["owner"])
        if values["owner"] and owner_key in owners_seen:
            bad("owner", "同一房屋重复登记同一业主 / same owner listed twice for this unit")
        owners_seen.add(owner_key)
        if area is None or kind is None or any(not values[k] for k in REQUIRED):
            continue
        row = LedgerRow(
            line=line, community=values["community"], estate=values["estate"], building=values["building"],
            entrance=values["entrance"], unit=values["unit"], area=area, kind=kind, owner=values["owner"],
            owner_kind=owner_kind, phone=values["phone"], id_number=values["id_number"].upper(),
        )
        units_seen.setdefault(key, row)
        rows.append(row)
    if not rows and not errors:
        raise InvalidInput(FILE_EMPTY)
    if errors:
        raise LedgerImportError(errors)
    return rows


# --- importing ------------------------------------------------------------------------------
@dataclass
class ImportResult:
    estates: int = 0
    buildings: int = 0
    units: int = 0
    persons: int = 0
    ownerships: int = 0


def _communities_for(actor, names: Iterable[str]) -> dict[str, Community]:
    qs = Community.objects.filter(name__in=set(names))
    if actor is not None:
        scope = scope_for(actor)
        if not rules.may_import_ledger(actor):
            raise PermissionDenied(IMPORT_NEEDS_ROLE)
        qs = qs.filter(pk__in=scope.communities(rules.LEDGER_IMPORTERS).values("pk"))
    found = {c.name: c for c in qs}
    missing = set(names) - set(found)
    if missing:
        raise InvalidInput(UNKNOWN_COMMUNITY.format(zh="、".join(sorted(missing)), en=", ".join(sorted(missing))))
    return found


UNIT_COLUMNS = ("estate_id", "building_id", "entrance_id", "code", "area", "kind")
PERSON_COLUMNS = ("name", "phone", "id_number", "kind")
OWNERSHIP_COLUMNS = ("unit_id", "person_id")
BULK_BATCH = 2000


def _bulk_insert(model, columns: tuple[str, ...], rows: list[tuple], progress=None) -> list[int]:
    """Insert `rows` (values in `columns` order; the other columns take their model defaults, which must be
    NULL or given here) and return their new ids in order. PostgreSQL: the ids from the table's sequence in
    one query, then one COPY; elsewhere INSERTs of BULK_BATCH rows returning their ids."""
    if not rows:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            sequence = cursor.fetchone()[0]  # by name first: in the SELECT below it would be looked up every row
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)])
            ids = [i for (i,) in cursor.fetchall()]
            names = ", ".join(connection.ops.quote_name(c) for c in ("id", *columns))
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row))
        if progress:
            progress(len(rows))
        return ids
    fields = [model._meta.get_field(c.removesuffix("_id")) for c in columns]
    ids = []
    for start in range(0, len(rows), BULK_BATCH):
        batch = rows[start:start + BULK_BATCH]
        objs = [model(**{f.attname: v for f, v in zip(fields, row, strict=True)}) for row in batch]
        model.objects.bulk_create(objs)
        ids.extend(o.pk for o in objs)
        if progress:
            progress(len(batch))
    return ids


def _persons_by_id_number(numbers: set[str]) -> dict[str, int]:
    """{ID number: person id} of the people already known by these numbers. PostgreSQL: the numbers as one
    array parameter (tens of thousands of IN parameters cost more to bind than to look up)."""
    if connection.vendor != "postgresql":
        return dict(Person.objects.filter(id_number__in=numbers).values_list("id_number", "pk"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, id FROM {Person._meta.db_table} WHERE id_number = ANY(%s) ORDER BY id",
                       [sorted(numbers)])
        found: dict[str, int] = {}
        for number, pk in cursor.fetchall():
            found.setdefault(number, pk)
        return found


@transaction.atomic
def ledger_import(actor, *, rows: list[LedgerRow], progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create the estates, buildings, entrances, units, owners and ownerships of checked rows."""
    communities = _communities_for(actor, {r.community for r in rows})
    result = ImportResult()
    estates: dict[tuple[int, str], Estate] = {
        (e.community_id, e.name): e
        for e in Estate.objects.filter(community__in=communities.values(), name__in={r.estate for r in rows})
    }
    existing = set(
        Unit.objects.filter(estate__in=list(estates.values())).values_list("estate__name", "code")
    )
    clashes = [RowError(r.line, "房号", f"房屋已存在：{r.estate} {r.unit} / unit already exists")
               for r in rows if (r.estate, r.unit) in existing]
    if clashes:
        raise LedgerImportError(clashes)
    for r in rows:
        community = communities[r.community]
        if (community.pk, r.estate) not in estates:
            estates[(community.pk, r.estate)] = Estate.objects.create(community=community, name=r.estate)
            result.estates += 1
    estate_of = {r.line: estates[(communities[r.community].pk, r.estate)] for r in rows}
    estate_id_of = {line: estate.pk for line, estate in estate_of.items()}

    buildings = {(b.estate_id, b.code): b for b in Building.objects.filter(estate__in=list(estates.values()))}
    new_buildings = []
    for r in rows:
        key = (estate_id_of[r.line], r.building)
        if key not in buildings:
            buildings[key] = Building(estate=estate_of[r.line], code=r.building)
            new_buildings.append(buildings[key])
    Building.objects.bulk_create(new_buildings)
    result.buildings = len(new_buildings)

    entrances = {(e.building_id, e.code): e for e in Entrance.objects.filter(building__in=list(buildings.values()))}
    new_entrances = []
    for r in rows:
        if not r.entrance:
            continue
        building = buildings[(estate_id_of[r.line], r.building)]
        if (building.pk, r.entrance) not in entrances:
            entrances[(building.pk, r.entrance)] = Entrance(building=building, code=r.entrance)
            new_entrances.append(entrances[(building.pk, r.entrance)])
    Entrance.objects.bulk_create(new_entrances)

    # The units, owners and ownerships (the bulk of a ledger) are written as rows, not model instances:
    # on PostgreSQL with COPY (ids drawn from the sequences first), elsewhere in batches of INSERTs.
    units: dict[tuple[int, str], tuple] = {}
    for r in rows:
        estate_id = estate_id_of[r.line]
        if (estate_id, r.unit) in units:
            continue
        building = buildings[(estate_id, r.building)]
        entrance = entrances.get((building.pk, r.entrance))
        units[(estate_id, r.unit)] = (estate_id, building.pk, entrance.pk if entrance else None, r.unit, r.area, r.kind)
    unit_ids = dict(zip(units, _bulk_insert(Unit, UNIT_COLUMNS, list(units.values()), progress), strict=True))
    result.units = len(units)

    # One person per ID number (or per name + phone without one), matching people already known.
    by_id = _persons_by_id_number({r.id_number for r in rows if r.id_number})
    person_ids: dict[tuple, int] = {}
    new_persons: dict[tuple, tuple] = {}
    for r in rows:
        key = ("id", r.id_number) if r.id_number else ("name", r.owner, r.phone)
        if key in person_ids or key in new_persons:
            continue
        known = by_id.get(r.id_number) if r.id_number else None
        if known is None:
            new_persons[key] = (r.owner, r.phone, r.id_number, r.owner_kind)
        else:
            person_ids[key] = known
    person_ids.update(zip(new_persons, _bulk_insert(Person, PERSON_COLUMNS, list(new_persons.values())), strict=True))
    result.persons = len(new_persons)

    ownerships = [(unit_ids[(estate_id_of[r.line], r.unit)],
                   person_ids[("id", r.id_number) if r.id_number else ("name", r.owner, r.phone)]) for r in rows]
    _bulk_insert(Ownership, OWNERSHIP_COLUMNS, ownerships)
    result.ownerships = len(ownerships)

    rows_of = Counter(estate_id_of.values())
    for estate in {e.pk: e for e in estate_of.values()}.values():
        estate.household_count = Unit.objects.filter(estate=estate, kind=UnitKind.RESIDENTIAL).count()
        estate.save(update_fields=["household_count"])
        audit_record(actor, AuditAction.LEDGER_IMPORT, estate, after={"rows": rows_of[estate.pk], **result.__dict__})
    return result


# --- exporting ------------------------------------------------------------------------------
def ledger_rows(*, fetched_by, estate_id: int) -> list[list]:
    """The estate's ledger as the viewer may see it (personal data masked by role)."""
    scope = scope_for(fetched_by)
    estate = get_in_scope(scope.estates(rules.LEDGER_EXPORTERS), pk=estate_id)
    units = scope.units().filter(estate=estate).select_related("building", "entrance").order_by("code")
    ownerships = (
        Ownership.objects.filter(unit__in=units, until__isnull=True).select_related("person").order_by("unit_id", "id")
    )
    owners: dict[int, list[Person]] = {}
    for o in ownerships:
        owners.setdefault(o.unit_id, []).append(o.person)
    estate_ids = person_estate_ids([p.pk for ps in owners.values() for p in ps])
    out = []
    community = estate.community.name
    for unit in units:
        base = [community, estate.name, unit.building.code, unit.entrance.code if unit.entrance else "",
                unit.code, float(unit.area), unit.get_kind_display()]
        for person in owners.get(unit.pk, []) or [None]:
            if person is None:
                out.append(base + ["", "", "", ""])
                continue
            contact = person_contact(scope, person, estate_ids.get(person.pk, set()))
            kind = "建设单位" if person.kind == PersonKind.DEVELOPER else "个人"
            out.append(base + [person.name, kind, contact["phone"], contact["id_number"]])
    return out


def ledger_workbook(rows: list[list]) -> bytes:
    return xlsx_bytes("台账", HEADERS_OUT, rows)

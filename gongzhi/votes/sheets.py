"""Reading a paper-ballot estate's two spreadsheets (CSV, .xlsx or .xls) for `gongzhi tally`.

UNITS: 房号 unit, 面积 area, 业主 owner — several rows for one unit are its co-owners; the same
owner id on several units is one owner; the id DEVELOPER marks the developer's units.
BALLOTS: 房号 unit, 投票人 voter, 表决意见 choice (同意/反对/弃权 or yes/no/abstain).
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from gongzhi.core.errors import InvalidInput
from gongzhi.places.ledger import header_map, read_table
from gongzhi.votes.tally import BallotIn, Holding

UNIT_COLUMNS = {
    "unit": ("unit", "房号", "房屋编号"),
    "area": ("area", "面积", "建筑面积", "专有部分面积"),
    "owner": ("owner", "业主", "业主编号", "业主姓名"),
}
BALLOT_COLUMNS = {
    "unit": ("unit", "房号", "房屋编号"),
    "voter": ("voter", "投票人", "投票人编号"),
    "choice": ("choice", "表决意见", "意见"),
}


class SheetError(ValueError):
    """The spreadsheet cannot be used; the message says why, Chinese first."""


def _table(path: str, columns: dict) -> tuple[list[list[str]], dict[str, int]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SheetError(f"无法读取 {path}: {exc.strerror} / cannot read {path}") from None

    try:
        table = read_table(data, path)
    except InvalidInput as exc:
        raise SheetError(f"{path}: {exc.message}") from None
    if not table:
        raise SheetError(f"{path}: 文件是空的 / the file is empty")
    found = header_map(table[0], columns)
    missing = [aliases[1] + "/" + aliases[0] for key, aliases in columns.items() if key not in found]
    if missing:
        raise SheetError(f"{path}: 缺少列 / missing columns: {', '.join(missing)}")
    return table, found


def _values(row: list[str], col: dict[str, int]) -> dict[str, str]:
    return {key: (row[i].strip() if i < len(row) else "") for key, i in col.items()}


def read_units(path: str) -> list[Holding]:
    table, col = _table(path, UNIT_COLUMNS)
    areas: dict[str, Decimal] = {}
    owners: dict[str, set[str]] = {}
    for line, row in enumerate(table[1:], start=2):
        if not any(row):
            continue
        values = _values(row, col)
        unit, owner = values["unit"], values["owner"]
        try:
            area = Decimal(values["area"].replace(",", ""))
        except InvalidOperation:
            raise SheetError(f"{path} 第 {line} 行：面积不是数字 / row {line}: the area is not a number") from None
        if not unit or not owner or not area.is_finite() or area <= 0:
            raise SheetError(f"{path} 第 {line} 行：房号、面积、业主都必须填写，面积须大于 0 / "
                             f"row {line}: unit, a positive area and owner are required")
        if unit in areas and areas[unit] != area:
            raise SheetError(f"{path} 第 {line} 行：房号 {unit} 的面积前后不一致 / row {line}: unit {unit} has two areas")
        areas[unit] = area
        owners.setdefault(unit, set()).add(owner)
    return [Holding(unit, areas[unit], frozenset(owners[unit])) for unit in areas]


def read_ballots(path: str) -> list[BallotIn]:
    table, col = _table(path, BALLOT_COLUMNS)
    ballots = []
    for line, row in enumerate(table[1:], start=2):
        if not any(row):
            continue
        values = _values(row, col)
        ballots.append(BallotIn(unit=values["unit"], voter=values["voter"], choice=values["choice"], row=line))
    return ballots

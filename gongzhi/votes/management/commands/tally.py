"""gongzhi tally: the legal result of an owners' vote from two spreadsheets, offline.

    gongzhi tally --units 房屋.xlsx --ballots 选票.csv --item 4 [--json]

Exit status: 0 a verdict was reached (passed or not), 2 unreadable input, 3 conflicting ballots of
one owner block the verdict. No database is used.
"""

import json
import sys

from django.core.management.base import BaseCommand

from gongzhi.votes import sheets
from gongzhi.votes.tally import ITEMS, tally


class Command(BaseCommand):
    help = "按民法典第二百七十八条统计业主表决结果 / Count an owners' vote by Civil Code art. 278"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--units", required=True, help="units: 房号 unit, 面积 area, 业主 owner")
        parser.add_argument("--ballots", required=True, help="ballots: 房号 unit, 投票人 voter, 表决意见 choice")
        parser.add_argument("--item", required=True, type=int, choices=sorted(ITEMS), help="art. 278 item, 1-9")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        try:
            holdings = sheets.read_units(options["units"])
            ballots = sheets.read_ballots(options["ballots"])
        except sheets.SheetError as exc:
            self.stderr.write(f"✘ {exc}")
            sys.exit(2)
        result = tally(holdings, ballots, item=options["item"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
        else:
            self._report(result)
        sys.exit(3 if result.blocked else 0)

    def _report(self, r):
        d = r.as_dict()
        rule = "≥ 3/4" if r.special else "> 1/2"
        lines = [
            f"事项 / item {r.item}：{d['item_name']}（{'特别事项' if r.special else '一般事项'}，同意须 {rule}）",
            f"总面积 / total area        {d['area_total']} m²    总人数 / owners {r.owners_total}",
            f"参与面积 / participating   {d['area_participating']} m²    参与人数 {r.owners_participating}",
            f"同意 / yes                 {d['area_yes']} m²    {r.owners_yes} 人",
            f"反对 / no                  {d['area_no']} m²    {r.owners_no} 人",
            f"弃权 / abstain             {d['area_abstain']} m²    {r.owners_abstain} 人",
        ]
        for name, label in (("participation_area", "参与面积比"), ("participation_owners", "参与人数比"),
                            ("yes_area", "同意面积比"), ("yes_owners", "同意人数比")):
            ratio = d["ratios"][name]
            lines.append(f"{label} / {name:<21} {ratio['fraction']} = {ratio['percent']}")
        lines.append(f"参与达到 2/3 / participation met: {'是 yes' if r.participation_met else '否 no'}")
        lines.append(f"同意达到 / agreement met: {'是 yes' if r.yes_met else '否 no'}")
        for item in r.rejected:
            lines.append(f"✘ 无效票 / rejected: row {item.row} {item.unit} — {item.reason}")
        for item in r.conflicts:
            lines.append(f"⚠ 矛盾选票 / conflict: {item.owner} {', '.join(item.units)} — {'/'.join(item.choices)}")
        for warning in r.warnings:
            lines.append(f"⚠ {warning}")
        verdict = "通过 / PASSED" if r.approved else ("无法得出结论 / BLOCKED" if r.blocked else "未通过 / NOT PASSED")
        lines.append(f"结论 / verdict: {verdict} — {r.reason}")
        self.stdout.write("\n".join(lines))

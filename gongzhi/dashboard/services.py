"""The dashboard's writes: keeping a month's report (MonthlyReport) and publishing it as a notice.

Both read the report as their actor sees the dashboard (report.monthly_report checks the place is in the
actor's roles and the month has ended). Keeping is made once per place and month: the row is claimed
first (the unique constraint decides between two runs at the same moment), then the files are rendered
outside the claiming transaction and saved with the audit record."""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.files import Upload
from gongzhi.dashboard import rules
from gongzhi.dashboard.choices import AuditAction
from gongzhi.dashboard.models import MonthlyReport
from gongzhi.dashboard.report import Report, monthly_report, report_pdf, report_xlsx
from gongzhi.dashboard.templatetags.figures import change, figure
from gongzhi.notices.choices import Audience, NoticeKind
from gongzhi.notices.services import notice_publish

NOT_A_PUBLISHER = "您不能为该地区发布公示 / You cannot publish notices for this place"
ONLY_ESTATE_OR_COMMUNITY = ("只有小区或社区的月报可以发布为公示（公示栏属于小区或社区）/ "
                            "Only an estate's or a community's report can be published as a notice")
# A claim whose files never came (the run died while rendering) is taken over after this long.
CLAIM_EXPIRES = datetime.timedelta(hours=1)


def report_keep(actor, *, place: str, month: str) -> MonthlyReport | None:
    """Make and keep the month's report of a place, unless it is kept (or being made) already: then
    None. Refused like the dashboard for a place outside the actor's roles."""
    report = monthly_report(fetched_by=actor, place=place, month=month)
    where, start = report.board.place, report.board.period.start
    MonthlyReport.objects.filter(level=where.level, place_pk=where.pk, month=start, pdf="",
                                 made_at__lt=clock.now() - CLAIM_EXPIRES).delete()
    with transaction.atomic():
        row, claimed = MonthlyReport.objects.get_or_create(
            level=where.level, place_pk=where.pk, month=start,
            defaults={"place_name": where.name[:120], "made_by": actor if actor and actor.pk else None})
    if not claimed:
        return None
    try:
        pdf, xlsx = report_pdf(report), report_xlsx(report, fetched_by=actor)
    except BaseException:
        row.delete()  # let the next run make it
        raise
    with transaction.atomic():
        row.pdf.save(f"{report.stem}.pdf", ContentFile(pdf), save=False)
        row.xlsx.save(f"{report.stem}.xlsx", ContentFile(xlsx), save=False)
        row.made_at = clock.now()
        row.save()
        audit_record(actor, AuditAction.REPORT_MAKE, row, after=snapshot(row))
    return row


def _figures_table(report: Report) -> dict:
    """The report's figures as the notice's table (strings, as notices keep them)."""
    rows = [[s.title, str(f.label), figure(f.value, f.unit), figure(f.last_year, f.unit), change(f.change, f.unit)]
            for s in report.board.sections for f in s.figures]
    return {"columns": ["板块", "指标", report.board.period.label, "去年同期", "变化"], "rows": rows[:500]}


def report_publish(actor, *, place: str, month: str):
    """Publish the month's report of an estate or a community as a notice (公告) to its residents, with
    the PDF attached and the figures as the notice's table; entered in the transparency log and audited
    by notices.services.notice_publish."""
    report = monthly_report(fetched_by=actor, place=place, month=month)
    where = report.board.place
    if where.level not in ("estate", "community"):
        raise InvalidInput(ONLY_ESTATE_OR_COMMUNITY, field="place")
    if not rules.may_publish_report(actor, where):
        raise PermissionDenied(NOT_A_PUBLISHER)
    pdf = report_pdf(report)
    body = (f"{report.title}已生成：各项工作的本月数字与去年同期对比见下表，"
            f"图表与明细见附件《{report.stem}.pdf》。")
    return notice_publish(
        actor, kind=NoticeKind.ANNOUNCEMENT,
        audience=Audience.ESTATE if where.level == "estate" else Audience.COMMUNITY,
        title=report.title, body=body,
        estate_id=where.pk if where.level == "estate" else None,
        community_id=where.obj.community_id if where.level == "estate" else where.pk,
        table=_figures_table(report), attachments=[Upload(f"{report.stem}.pdf", pdf)])

"""The rows behind the dashboard's figures, for the monthly report's Excel (core.figures.register_records).

Each provider reads a figure's link (the list page and its query string) through the same selector and
the same filters as that list page, so the rows are exactly the records the figure counts and only what
the viewer may see. The rows name records, never people: no names or phone numbers go into a report.
Figures whose list registers no rows (rates, money) are explained by the chart tables instead.
"""

from django.http import QueryDict

from gongzhi.bodies import selectors as bodies
from gongzhi.core import clock
from gongzhi.core.figures import Records, place_get, register_records
from gongzhi.core.web import posted_date, posted_id
from gongzhi.meetings import selectors as meetings
from gongzhi.meetings.rules import MEETING_TYPES
from gongzhi.requests import selectors as requests
from gongzhi.votes import selectors as votes


def _place(user, query: QueryDict):
    return place_get(user, query["place"], None) if query.get("place") else None


def _dates(query: QueryDict) -> dict:
    return {"start": posted_date(query.get("start")), "end": posted_date(query.get("end"))}


def request_rows(*, fetched_by, query: QueryDict, limit: int) -> Records:
    found = requests.requests_filtered(
        fetched_by=fetched_by, status=query.get("status", ""), category=query.get("category", ""),
        place=_place(fetched_by, query), level=posted_id(query.get("level")), summoned=bool(query.get("summoned")),
        late=bool(query.get("late")), sort="oldest", **_dates(query))
    return Records(["诉求编号", "小区", "类别", "状态", "办理层级", "提交时间"], [
        [r.number, r.estate.name, r.get_category_display(), r.get_status_display(), r.get_level_display(),
         clock.stamp(r.created_at)] for r in found[:limit]])


def meeting_rows(*, fetched_by, query: QueryDict, limit: int) -> Records:
    found = meetings.meetings_filtered(fetched_by=fetched_by, place=_place(fetched_by, query),
                                       status=query.get("status", ""), kind=query.get("kind", ""), **_dates(query))
    names = {code: str(t.name) for code, t in MEETING_TYPES.items()}
    return Records(["小区", "会议类型", "会议名称", "时间", "状态"], [
        [m.place_name, names.get(m.kind, m.kind), m.title, clock.stamp(m.scheduled_at), m.get_status_display()]
        for m in found.select_related("estate")[:limit]])


def matter_rows(*, fetched_by, query: QueryDict, limit: int) -> Records:
    found = meetings.matters_filtered(fetched_by=fetched_by, place=_place(fetched_by, query),
                                      decided=bool(query.get("decided")), **_dates(query))
    return Records(["小区", "议题", "状态", "提出时间", "完成时间"], [
        [m.place_name, m.title, m.get_status_display(), clock.stamp(m.created_at), clock.stamp(m.completed_at)]
        for m in found.select_related("estate")[:limit]])


def action_rows(*, fetched_by, query: QueryDict, limit: int) -> Records:
    found = meetings.action_items(fetched_by=fetched_by, place=_place(fetched_by, query),
                                  overdue=bool(query.get("overdue")), open_only=bool(query.get("open")))
    return Records(["小区", "议题", "事项", "期限"], [
        [a.matter.place_name, a.matter.title, a.text, a.due_on.isoformat()]
        for a in found.select_related("matter__estate")[:limit]])


def vote_rows(*, fetched_by, query: QueryDict, limit: int) -> Records:
    found = votes.votes_filtered(fetched_by=fetched_by, place=_place(fetched_by, query),
                                 status=query.get("status", ""), passed=bool(query.get("passed")), **_dates(query))
    return Records(["小区", "表决", "状态", "截止计票时间"], [
        [v.estate.name, v.title, v.get_status_display(), clock.stamp(v.closed_at)] for v in found[:limit]])


def organisation_rows(*, fetched_by, query: QueryDict, limit: int) -> Records:
    found = bodies.organisation_list(fetched_by=fetched_by, kind=query.get("kind") or None, group=query.get("group", ""),
                                     active_only=bool(query.get("active")), place=_place(fetched_by, query))
    return Records(["组织", "类别", "小区", "社区"], [
        [o.name, o.get_kind_display(), o.estate.name if o.estate_id else "", o.community.name if o.community_id else ""]
        for o in found[:limit]])


def register() -> None:
    register_records("requests:request_list", request_rows)
    register_records("meetings:meeting_list", meeting_rows)
    register_records("meetings:matter_list", matter_rows)
    register_records("meetings:action_list", action_rows)
    register_records("votes:vote_list", vote_rows)
    register_records("bodies:organisation_list", organisation_rows)

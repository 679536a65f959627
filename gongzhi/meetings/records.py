"""A meeting's decision as a record of the transparency log (kind "meeting_decision").

An estate's resolutions reach the log through its procedure's publication step (a notice of the estate);
a meeting above the estate — a community's 调度会, a subdistrict's 专项推进会, a district's — has no estate
notice board, so each decision it records is entered in the log as it is recorded, filed at the meeting's
place (the leaf names the community when there is one). The content carries no personal data: the
meeting, the matter, the decision's text and counts, the place."""

from django.db.models import Q

from gongzhi.meetings.models import LEVELS, Decision, Meeting

KIND = "meeting_decision"
FIELDS = [
    "id", "text", "votes_for", "votes_against", "votes_abstain", "passed", "recorded_at",
    "meeting_id", "meeting__title", "meeting__kind", "meeting__scheduled_at",
    "matter_id", "matter__title",
    *[f"meeting__{level}_id" for level in LEVELS], *[f"meeting__{level}__name" for level in LEVELS],
]


def _iso(value):
    return value.isoformat() if value is not None else None


def decision_contents(ids: list[int]) -> dict[int, dict]:
    result = {}
    for row in Decision.objects.filter(pk__in=ids).values(*FIELDS):
        level = next(level for level in LEVELS if row[f"meeting__{level}_id"] is not None)
        community_id = row["meeting__community_id"]
        estate_id = row["meeting__estate_id"]
        result[row["id"]] = {
            "community": {"id": community_id, "name": row["meeting__community__name"]} if community_id else None,
            "estate": {"id": estate_id, "name": row["meeting__estate__name"]} if estate_id else None,
            "place": {"level": level, "id": row[f"meeting__{level}_id"], "name": row[f"meeting__{level}__name"]},
            "meeting": {"id": row["meeting_id"], "title": row["meeting__title"], "kind": row["meeting__kind"],
                        "scheduled_at": _iso(row["meeting__scheduled_at"])},
            "matter": {"id": row["matter_id"], "title": row["matter__title"]},
            "text": row["text"],
            "votes_for": row["votes_for"],
            "votes_against": row["votes_against"],
            "votes_abstain": row["votes_abstain"],
            "passed": row["passed"],
            "recorded_at": _iso(row["recorded_at"]),
        }
    return result


def decision_visible_ids(user, ids) -> set[int]:
    """Whoever may see the meeting reads its decision's entry; the others see only the leaf's hash."""
    if user is None or not user.is_authenticated:
        return set()
    from gongzhi.meetings.selectors import visible_meetings

    seen = Meeting.objects.filter(visible_meetings(user)).values("pk")
    return set(Decision.objects.filter(Q(pk__in=ids), meeting__in=seen).values_list("pk", flat=True))


def register() -> None:
    from gongzhi.notices.log import RecordKind, register_record_kind

    register_record_kind(RecordKind(name=KIND, model=Decision, contents=decision_contents,
                                    visible_ids=decision_visible_ids))

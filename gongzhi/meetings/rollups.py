"""The meeting figures' rows (core.tallies): meetings held, by type, and matters proposed, on their local
day at the place they hang at (an estate, community, subdistrict or district) and every place above it."""

from gongzhi.core.tallies import Source
from gongzhi.meetings.choices import MeetingStatus

AT_PLACE = {"estate": "r.estate_id", "community": "r.community_id", "subdistrict": "r.subdistrict_id",
            "district": "r.district_id"}

MEETINGS = Source("meetings", "meetings_meeting", {"held": "1"}, day="r.scheduled_at", timestamp=True,
                  key="r.kind", where=f"r.status = '{MeetingStatus.CLOSED.value}'", **AT_PLACE)
MATTERS = Source("matters", "meetings_matter", {"proposed": "1"}, day="r.created_at", timestamp=True, **AT_PLACE)

SOURCES = (MEETINGS, MATTERS)

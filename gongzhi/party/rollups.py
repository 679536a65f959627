"""The party figures' rows (core.tallies): points earned, by kind, on their day at the member's estate (if
any) and community."""

from gongzhi.core.tallies import Source

POINTS = Source("points", "party_pointsentry", {"points": "r.points"}, day='r."on"', key="r.kind",
                where="r.points > 0", estate="r.estate_id", community="r.community_id")

SOURCES = (POINTS,)

"""The dashboard's section: each figure equals a direct count of the rows it stands for (volunteer hours:
the confirmed, from activities and from orders)."""

import datetime

from django.db.models import Q, Sum

from gongzhi.core import clock
from gongzhi.core.figures import Place
from gongzhi.services import selectors
from gongzhi.services.models import (
    Activity,
    Booking,
    Pairing,
    Pledge,
    PledgePayment,
    Project,
    Signup,
    Space,
    VolunteerHours,
)
from tests.helpers import PACIFIC, estate


def test_each_figure_is_a_direct_count(world, persona):
    pacific = estate(PACIFIC)
    for place in (Place("estate", pacific), Place("community", pacific.community)):
        period = clock.period("year", containing=clock.today() - datetime.timedelta(days=60))
        lo, hi = period.bounds
        section = selectors.dashboard_section(fetched_by=persona("yanshuji"), place=place, period=period)
        figures = {f.key: f.value for f in section.figures}
        estates = {"estate__in": [pacific.pk]} if place.level == "estate" else {"estate__community": pacific.community}
        activities = Activity.objects.filter(**estates, starts_at__gte=lo, starts_at__lt=hi)
        assert figures["activities"] == activities.count() > 0
        assert figures["person_times"] == Signup.objects.filter(
            activity__in=activities, status="confirmed", checked_in_at__isnull=False).count() > 0
        partnered = activities.filter(Q(partners__isnull=False) | Q(pairing__isnull=False)).distinct()
        assert figures["partner_services"] == partnered.count()
        assert figures["partner_reach"] == Signup.objects.filter(
            activity__in=partnered, status="confirmed", checked_in_at__isnull=False).count()
        orders = {"order__estate__in": [pacific.pk]} if place.level == "estate" else {
            "order__estate__community": pacific.community}
        minutes = VolunteerHours.objects.filter(
            Q(activity__in=activities) | Q(**orders, order__done_at__gte=lo, order__done_at__lt=hi),
            confirmed_at__isnull=False).aggregate(m=Sum("minutes"))["m"]
        assert figures["volunteer_hours"] == round(minutes / 60, 1) > 0
        assert figures["bookings"] == Booking.objects.filter(
            **estates, status="confirmed", starts_at__gte=lo, starts_at__lt=hi).count() > 0
        assert figures["spaces"] == Space.objects.filter(**estates, active=True).count() == 9
        assert figures["projects_running"] == Project.objects.filter(**estates, closed_at__isnull=True).count() >= 1
        assert figures["projects"] == Project.objects.filter(**estates, opened_at__gte=lo, opened_at__lt=hi).count()
        assert figures["pairings"] == Pairing.objects.filter(**estates).count() == 6
        pledged = Pledge.objects.filter(project__in=Project.objects.filter(**estates), kind="money",
                                        created_at__gte=lo, created_at__lt=hi)
        assert figures["project_pledged"] * 100 == sum(pledged.values_list("amount", flat=True))
        received = PledgePayment.objects.filter(pledge__project__in=Project.objects.filter(**estates),
                                                transaction__date__range=(period.start, period.end))
        assert figures["project_money"] * 100 == sum(received.values_list("amount", flat=True))
        chart = section.charts[0]
        assert sum(chart.series[0].values) == figures["bookings"]

"""No two bookings that hold a slot of one space overlap: on PostgreSQL an exclusion constraint over the
space and the booking's time range (btree_gist lets `=` on the space join `&&` on the range). SQLite
has neither; there the booking service's check inside its IMMEDIATE transaction holds the rule alone,
and this migration does nothing."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q, Value

NAME = "services_booking_no_overlap"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def constraint() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=NAME, index_type="gist", condition=Q(status__in=["pending", "confirmed"]),
        expressions=[("space", RangeOperators.EQUAL),
                     (TsTzRange("starts_at", "ends_at", Value("[)")), RangeOperators.OVERLAPS)])


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("services", "Booking"), constraint())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("services", "Booking"), constraint())


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [
        BtreeGistExtension(),  # a no-op on any database but PostgreSQL
        migrations.RunPython(add, drop),
    ]

"""The triggers that keep this app's figures rows (core.Tally, gongzhi.meetings.rollups) in the transaction that
writes a record, and their first count from the records already there."""

from django.db import migrations

from gongzhi.core import tallies


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0013_tally"),
        ("meetings", "0006_above_the_estate"),
    ]

    operations = [tallies.migration("gongzhi.meetings.rollups")]

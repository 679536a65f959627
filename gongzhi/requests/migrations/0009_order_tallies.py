"""The triggers that keep this app's figures rows (core.Tally, gongzhi.requests.rollups) in the transaction that
writes a record, and their first count from the records already there."""

from django.db import migrations

from gongzhi.core import tallies


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0013_tally"),
        ("requests", "0008_request_rollups"),
    ]

    operations = [tallies.migration("gongzhi.requests.rollups")]

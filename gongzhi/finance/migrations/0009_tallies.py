"""The triggers that keep this app's figures rows (core.Tally, gongzhi.finance.rollups) in the transaction that
writes a record, and their first count from the records already there."""

from django.db import migrations

from gongzhi.core import tallies


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0013_tally"),
        ("finance", "0008_seal_use_rule"),
    ]

    operations = [tallies.migration("gongzhi.finance.rollups")]

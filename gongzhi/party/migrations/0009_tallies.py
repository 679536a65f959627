"""The triggers that keep this app's figures rows (core.Tally, gongzhi.party.rollups) in the transaction that
writes a record, and their first count from the records already there."""

from django.db import migrations

from gongzhi.core import tallies


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0013_tally"),
        ("party", "0008_relations_units_services"),
    ]

    operations = [tallies.migration("gongzhi.party.rollups")]

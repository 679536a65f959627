"""The triggers that keep this app's figures rows (core.Tally, gongzhi.requests.rollups) in the transaction that
writes a record, and their first count from the records already there."""

from django.db import migrations


def forwards(apps, schema_editor):
    from gongzhi.core import tallies
    from gongzhi.requests import rollups

    for source in rollups.SOURCES:
        tallies.install(schema_editor, source)
    tallies.rebuild(sources=list(rollups.SOURCES))


def backwards(apps, schema_editor):
    from gongzhi.core import tallies
    from gongzhi.requests import rollups

    for source in rollups.SOURCES:
        tallies.uninstall(schema_editor, source)
    apps.get_model("core", "Tally").objects.filter(source__in=[s.name for s in rollups.SOURCES]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0013_tally"),
        ("requests", "0008_request_rollups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

"""Deadlines carry their unit (hours, calendar days, working days). A community's existing
overrides were in hours and stay so; requests already filed keep the deadlines they were given."""

from django.db import migrations, models

UNITS = [("hours", "小时"), ("days", "自然日"), ("working_days", "工作日")]


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]

    operations = [
        migrations.RenameField("route", "response_hours", "response_amount"),
        migrations.RenameField("route", "resolve_hours", "resolve_amount"),
        migrations.AlterField("route", "response_amount", models.PositiveIntegerField(verbose_name="响应时限")),
        migrations.AlterField("route", "resolve_amount", models.PositiveIntegerField(verbose_name="办结时限")),
        migrations.AddField("route", "response_unit", models.CharField(
            choices=UNITS, default="hours", max_length=16, verbose_name="响应时限单位")),
        migrations.AddField("route", "resolve_unit", models.CharField(
            choices=UNITS, default="hours", max_length=16, verbose_name="办结时限单位")),
        migrations.AlterField("route", "resolve_unit", models.CharField(
            choices=UNITS, default="working_days", max_length=16, verbose_name="办结时限单位")),
        migrations.AddField("request", "respond_unit", models.CharField(
            choices=UNITS, default="hours", max_length=16, verbose_name="响应时限单位")),
        migrations.AddField("request", "resolve_unit", models.CharField(
            choices=UNITS, default="hours", max_length=16, verbose_name="办结时限单位")),
        migrations.AddField("request", "deadline_estimated", models.BooleanField(
            default=False, verbose_name="时限按周末估算")),
    ]

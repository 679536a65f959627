"""Remind the invited of tomorrow's meetings and owners of overdue action items (run from cron,
e.g. hourly; running it twice at once sends each reminder once)."""

from django.core.management.base import BaseCommand

from gongzhi.meetings.jobs import send_reminders


class Command(BaseCommand):
    help = "会议提醒与逾期催办 / Meeting reminders and overdue follow-up"

    def handle(self, *args, **options):
        meetings, overdue = send_reminders()
        self.stdout.write(f"会议提醒 {meetings} 条，逾期催办 {overdue} 条 / {meetings} meeting reminders, "
                          f"{overdue} overdue follow-ups")

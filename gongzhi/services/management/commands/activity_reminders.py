from django.core.management.base import BaseCommand

from gongzhi.services.jobs import send_reminders


class Command(BaseCommand):
    help = "明日活动提醒 / Remind those signed up of tomorrow's activities"

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"活动提醒 {sent} 条 / {sent} activity reminders")

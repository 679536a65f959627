"""Remind owners who have not voted, three days and one day before a vote closes (run from cron,
e.g. hourly; running it twice, or on two machines at once, sends each reminder once)."""

from django.core.management.base import BaseCommand

from gongzhi.votes.jobs import send_vote_reminders


class Command(BaseCommand):
    help = "投票截止前 3 天、1 天提醒未投票的业主 / Remind owners who have not voted, 3 days and 1 day before closing"

    def handle(self, *args, **options):
        sent = send_vote_reminders()
        self.stdout.write(f"投票提醒 {sent} 条 / {sent} vote reminders")

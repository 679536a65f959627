"""Housekeeping of logins (run from cron, e.g. hourly): delete failed logins older than the lockout window
and SMS login codes older than a day. Idempotent: a second run deletes nothing more."""

from django.core.management.base import BaseCommand

from gongzhi.core.jobs import logins_prune


class Command(BaseCommand):
    help = "清理过期的登录失败记录和短信验证码 / Delete expired failed-login records and SMS login codes"

    def handle(self, *args, **options):
        result = logins_prune()
        self.stdout.write(f"登录失败记录 {result.login_failures} 条，短信验证码 {result.sms_codes} 条已清理 / {result}")

from django.core.management.base import BaseCommand

from gongzhi import demo
from gongzhi.people.models import RoleAssignment


class Command(BaseCommand):
    help = "加载演示数据（光华路街道、义乌城、太平洋花园…）/ Load the demo data; running it twice changes nothing"

    def handle(self, *args, **options):
        if demo.already_loaded():
            self.stdout.write("演示数据已存在，未重复加载 / Demo data already loaded")
        else:
            demo.load()
            self.stdout.write(self.style.SUCCESS("演示数据已加载 / Demo data loaded"))
        self.print_logins()

    def print_logins(self):
        from django.contrib.auth import get_user_model


        self.stdout.write(f"\n演示账号（密码均为 {demo.DEMO_PASSWORD}）/ Demo logins, password {demo.DEMO_PASSWORD}:")
        users = get_user_model().objects.filter(username__in=demo.PERSONA_USERNAMES).order_by("id")
        roles = {}
        for a in RoleAssignment.objects.filter(user__in=users).select_related("user").order_by("id"):
            roles.setdefault(a.user_id, []).append(f"{a.get_role_display()}@{a.anchor}")
        for user in users:
            self.stdout.write(f"  {user.username:<14} {user.first_name:<8} {'; '.join(roles.get(user.pk, []))}")

"""Issue an Open311 API key for a subdistrict (shown once; only its hash is stored)."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from gongzhi.requests.services import open311_key_issue


class Command(BaseCommand):
    help = "签发 Open311 接口密钥 / Issue an Open311 API key"

    def add_arguments(self, parser):
        parser.add_argument("jurisdiction", help="街道代码 / the subdistrict's code, e.g. guanghualu")
        parser.add_argument("name", help="使用方名称 / who the key is for")
        parser.add_argument("--key", help="指定密钥（演示用）/ use this key (demo)")

    def handle(self, *args, jurisdiction, name, key=None, **options):
        raw = key or secrets.token_urlsafe(24)
        try:
            open311_key_issue(None, jurisdiction=jurisdiction, name=name, raw=raw)
        except Exception as exc:  # a domain error: say it plainly
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(raw)

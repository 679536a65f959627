"""gongzhi serve: the production server — gunicorn over gongzhi.wsgi, sized for the machine.

Workers default to 2 × cores + 1 (GONGZHI_WEB_WORKERS overrides), each restarted after about a thousand
requests so a slow leak never builds up; a request running longer than GONGZHI_WEB_TIMEOUT seconds (180: a
100,000-row export takes about two minutes) is killed and its worker replaced. gunicorn's own access log is off: the app writes one JSON access line
per request with its request id (gongzhi.core.logs), to the journal or GONGZHI_LOG_DIR. Behind nginx (deploy/nginx/gongzhi.conf), bind to 127.0.0.1 or a private address only.
"""

import os
import shutil
import sys

from django.core.management.base import BaseCommand, CommandError

NO_GUNICORN = "没有找到 gunicorn：请先 pip install gunicorn / gunicorn is not installed: pip install gunicorn"


def gunicorn_args(bind: str, workers: int | None, timeout: int | None) -> list[str]:
    cores = os.cpu_count() or 1
    workers = workers or int(os.environ.get("GONGZHI_WEB_WORKERS", 2 * cores + 1))
    timeout = timeout or int(os.environ.get("GONGZHI_WEB_TIMEOUT", 180))
    # A worker is recycled after 10,000 requests (memory hygiene). Starting one costs about 3.5 s of CPU here,
    # so recycling every 1,000 cost a third of a core at 200 device events a second.
    return ["gongzhi.wsgi:application", "--bind", bind, "--workers", str(workers), "--timeout", str(timeout),
            "--graceful-timeout", "30", "--keep-alive", "5", "--max-requests", "10000", "--max-requests-jitter", "1000",
            "--error-logfile", "-", "--forwarded-allow-ips", os.environ.get("GONGZHI_PROXY_IPS", "127.0.0.1")]


class Command(BaseCommand):
    help = "启动生产服务器（gunicorn）/ Start the production server (gunicorn)"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("GONGZHI_BIND", "127.0.0.1:8000"),
                            help="地址:端口 / address:port (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, help="工作进程数 / worker processes (default 2 × cores + 1)")
        parser.add_argument("--timeout", type=int, help="单个请求的最长秒数 / seconds before a request is killed")

    def handle(self, *args, bind: str, workers: int | None, timeout: int | None, **options):
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError(NO_GUNICORN)
        argv = [gunicorn, *gunicorn_args(bind, workers, timeout)]
        self.stdout.write(" ".join(argv))
        self.stdout.flush()
        os.execv(gunicorn, argv)  # gunicorn takes the process over: signals from systemd reach it directly

"""Sign a tree head when the log grew or the latest head is older than the interval.

Run it from cron (or a scheduler) every few minutes; running it twice at once is harmless: both
take the log's lock, and the second finds nothing to do or signs a head that is just as valid.
    gongzhi log_sign_head            sign if due (GONGZHI_LOG_HEAD_INTERVAL_SECONDS, default 3600)
    gongzhi log_sign_head --now      sign now
"""

from django.core.management.base import BaseCommand

from gongzhi.notices import log


class Command(BaseCommand):
    help = "按时签署透明日志树头 / Sign a transparency-log tree head when due"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="sign now even if not due")

    def handle(self, *args, **options):
        head = log.head_sign() if options["now"] else log.head_sign_if_due()
        if head is None:
            self.stdout.write("树头仍然新鲜，无需签署 / The latest head is fresh; nothing to sign")
        else:
            self.stdout.write(f"已签署树头 / Signed head: size {head.tree_size}, root {bytes(head.root_hash).hex()}")

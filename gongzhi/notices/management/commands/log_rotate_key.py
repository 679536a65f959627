"""Retire the log signing key and start a new one; heads signed before stay verifiable with the
retired public key, which stays published. The old private key file is kept beside the new one
(…retired-<key id>.pem) for the record; move it somewhere safe or destroy it."""

from django.core.management.base import BaseCommand

from gongzhi.notices import services


class Command(BaseCommand):
    help = "更换透明日志签名密钥 / Rotate the transparency-log signing key"

    def handle(self, *args, **options):
        head = services.log_key_rotate(None)
        self.stdout.write(f"新公钥 / New key: {head.key_id}; 已用新密钥签署树头 / signed head of size {head.tree_size}")

"""The log's signing key: Ed25519 (cryptography), private key in a file, public keys published.

The private key never enters the database (a database edit must not be able to forge a head).
It lives in GONGZHI_LOG_KEY_FILE (default var/log-signing-key.pem), created on first use; a
deployment with several app servers gives them all the same file, like SECRET_KEY. Rotation
writes a new file, keeps the old one beside it for the record, and retires the old public key;
heads it signed stay verifiable with it.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from gongzhi.core import clock
from gongzhi.core.errors import WrongState
from gongzhi.notices.formats import key_id_of
from gongzhi.notices.models import LogKey

KEY_RETIRED = "日志签名私钥已停用，请配置新的私钥 / The log signing key has been retired: configure the new one"


def public_raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(raw: bytes) -> str:
    key = Ed25519PublicKey.from_public_bytes(raw)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_path() -> Path:
    return Path(settings.GONGZHI_LOG_KEY_FILE)


def _write_new_key(path: Path) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return private


def _load(path: Path) -> Ed25519PrivateKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        try:
            return _write_new_key(path)
        except FileExistsError:  # another process created it a moment ago
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise WrongState("日志签名私钥必须是 Ed25519 / The log signing key must be Ed25519")
    return private


def active_signing_key() -> tuple[Ed25519PrivateKey, LogKey]:
    private = _load(key_path())
    raw = public_raw(private.public_key())
    log_key, _ = LogKey.objects.get_or_create(key_id=key_id_of(raw), defaults={"public_key": raw})
    if log_key.retired_at is not None:
        raise WrongState(KEY_RETIRED)
    return private, log_key


def rotate() -> tuple[LogKey, LogKey]:
    """Retire the current key and start a new one (the caller holds the log lock and audits)."""
    path = key_path()
    _, old = active_signing_key()
    path.rename(path.with_name(f"{path.stem}.retired-{old.key_id}{path.suffix}"))
    private = _write_new_key(path)
    raw = public_raw(private.public_key())
    new = LogKey.objects.create(key_id=key_id_of(raw), public_key=raw)
    LogKey.objects.filter(pk=old.pk).update(retired_at=clock.now())
    old.refresh_from_db()
    return old, new

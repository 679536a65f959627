"""Where stored files live (attachments, photos, printed reports, proxy documents): Django's storage API
over the local disk by default, or any S3-compatible object storage (django-storages) when
GONGZHI_STORAGE says so, so several app servers share one set of files.

    GONGZHI_STORAGE unset                 the local folder GONGZHI_MEDIA_ROOT (default var/media)
    GONGZHI_STORAGE=file:///srv/gongzhi/media
                                          a local or shared (NFS) folder
    GONGZHI_STORAGE=s3://BUCKET[/PREFIX]?endpoint_url=https://minio.internal:9000&region_name=cn-north-1
                                          an S3 bucket, under PREFIX if given

Access keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role), or, percent-encoded,
from the URL: s3://KEY:SECRET@BUCKET. Query options: endpoint_url, region_name, addressing_style (path or
virtual), signature_version, verify (false, or a CA bundle's path), custom_domain; anything else is refused
at start. Files are never overwritten in place (a second file of the same name gets a new name, as on
disk) and objects are private: every download goes through the app's permission checks.

Imported by settings: nothing here may import Django's configured parts.
"""

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
S3_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version", "verify", "custom_domain"}
BAD_STORAGE = (
    "GONGZHI_STORAGE 无法识别：{detail}（应为 s3://存储桶[/前缀]?endpoint_url=… 或 file:///目录）/ "
    "GONGZHI_STORAGE is not understood: {detail} (expected s3://bucket[/prefix]?endpoint_url=… or file:///folder)"
)


class StorageUrlError(ValueError):
    pass


def parse(url: str) -> tuple[dict, Path | None]:
    """The STORAGES["default"] entry for a GONGZHI_STORAGE value, and the folder that becomes MEDIA_ROOT
    for a file:// one (the local storage follows MEDIA_ROOT, so None keeps GONGZHI_MEDIA_ROOT)."""
    url = url.strip()
    if not url:
        return {"BACKEND": FILESYSTEM}, None
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path.startswith("/") or parts.query or parts.netloc:
            raise StorageUrlError(BAD_STORAGE.format(detail="file:// 需要绝对路径 / file:// needs an absolute path"))
        return {"BACKEND": FILESYSTEM}, Path(unquote(parts.path))
    if parts.scheme != "s3":
        raise StorageUrlError(BAD_STORAGE.format(detail=f"scheme {parts.scheme or '(none)'}"))
    bucket = parts.hostname or ""
    if not bucket:
        raise StorageUrlError(BAD_STORAGE.format(detail="缺少存储桶名 / no bucket name"))
    options: dict = {"bucket_name": bucket, "location": parts.path.strip("/"), "file_overwrite": False,
                     "default_acl": None, "querystring_auth": True}
    if parts.username or parts.password:
        options["access_key"] = unquote(parts.username or "")
        options["secret_key"] = unquote(parts.password or "")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in S3_OPTIONS:
            raise StorageUrlError(BAD_STORAGE.format(detail=f"未知选项 / unknown option {key}"))
        if key == "verify":
            value = False if value.lower() in {"0", "false", "no", "off"} else value
        if key == "addressing_style" and value not in {"path", "virtual", "auto"}:
            raise StorageUrlError(BAD_STORAGE.format(detail=f"addressing_style={value}"))
        options[key] = value
    if options.get("endpoint_url", "").startswith("http://"):
        options["use_ssl"] = False
    return {"BACKEND": S3, "OPTIONS": options}, None


def describe(entry: dict, media_root) -> str:
    """The storage in words for logs and check_ops, never with its keys."""
    options = entry.get("OPTIONS", {})
    if entry["BACKEND"] == S3:
        where = options.get("endpoint_url") or "AWS"
        prefix = f"/{options['location']}" if options.get("location") else ""
        return f"s3://{options['bucket_name']}{prefix} ({where})"
    return str(media_root)

"""Uploaded files: what a file is, judged by its first bytes (never by the name the sender gave)."""

from dataclasses import dataclass

from gongzhi.core.errors import InvalidInput

ATTACHMENT_TYPE = (
    "附件“{name}”不是允许的类型（PDF、JPEG、PNG、WebP、Excel、Word）/ "
    "The attachment {name} is not a PDF, JPEG, PNG, WebP, Excel or Word file"
)

# Content-checked attachment types: what the first bytes must be, and the type to serve it as.
_SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/zip"),  # xlsx / docx: refined by the file name below
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .xls / .doc
]
_OFFICE = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".doc": "application/msword",
}


@dataclass
class Upload:
    name: str
    data: bytes


def attachment_type(upload: Upload, *, field: str = "attachments") -> str:
    head = upload.data[:16]
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            if kind == "application/zip" and suffix in (".xlsx", ".docx"):
                return _OFFICE[suffix]
            if kind == "application/x-ole-storage" and suffix in (".xls", ".doc"):
                return _OFFICE[suffix]
            if kind not in ("application/zip", "application/x-ole-storage"):
                return kind
    raise InvalidInput(ATTACHMENT_TYPE.format(name=upload.name), field=field)


def check_uploads(uploads: list[Upload], *, most: int, max_bytes: int, field: str, too_many: str, too_big: str,
                  allowed: set[str] | None = None, wrong_type: str = ATTACHMENT_TYPE) -> list[tuple[Upload, str]]:
    """Each upload with its content type (judged by its bytes); refused, naming the file, when there are
    more than `most`, one is larger than `max_bytes` or its type is not `allowed` (any known type if None).
    `too_many` takes {n}; `too_big` {name} and {mb}; `wrong_type` {name}."""
    if len(uploads) > most:
        raise InvalidInput(too_many.format(n=most), field=field)
    checked = []
    for upload in uploads:
        if len(upload.data) > max_bytes:
            raise InvalidInput(too_big.format(name=upload.name, mb=max_bytes // (1024 * 1024)), field=field)
        try:
            kind = attachment_type(upload, field=field)
        except InvalidInput:
            kind = ""
        if not kind or (allowed is not None and kind not in allowed):
            raise InvalidInput(wrong_type.format(name=upload.name), field=field)
        checked.append((upload, kind))
    return checked

"""Printable notices: an A4 PDF with Chinese fonts and a QR code that opens the verification page.

WeasyPrint renders a template with the machine's fonts only (no web fonts, nothing fetched).
Without a CJK font Chinese would print as boxes, so that is detected and refused with a message.
"""

import functools
import shutil
import subprocess

import segno
from django.template.loader import render_to_string
from django.utils import translation

from gongzhi.core.errors import WrongState

NO_CJK_FONT = (
    "服务器没有中文字体，无法生成 PDF（请安装 fonts-wqy-microhei 或 fonts-noto-cjk）/ "
    "No Chinese font on the server: install fonts-wqy-microhei or fonts-noto-cjk to print notices"
)
NO_PANGO = (
    "服务器缺少 PDF 排版库 Pango（请安装 libpango-1.0-0 libpangoft2-1.0-0）/ "
    "The PDF renderer needs Pango: install libpango-1.0-0 libpangoft2-1.0-0"
)


@functools.cache
def cjk_font_families() -> tuple[str, ...]:
    if shutil.which("fc-list") is None:
        return ()
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20).stdout
    return tuple(sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()}))


def qr_svg_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def notice_pdf(notice, *, leaf, verify_url: str) -> bytes:
    if not cjk_font_families():
        raise WrongState(NO_CJK_FONT)
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint's import loads Pango through ctypes
        raise WrongState(NO_PANGO) from exc
    with translation.override("zh-hans"):  # a notice posted on a Chinese board is printed in Chinese
        html = render_to_string(
            "notices/notice_print.html",
            {
                "notice": notice,
                "leaf": leaf,
                "leaf_hash": bytes(leaf.leaf_hash).hex(),
                "verify_url": verify_url,
                "qr": qr_svg_data_uri(verify_url),
                "fonts": cjk_font_families(),
                "paragraphs": [p.strip() for p in notice.body.splitlines() if p.strip()],
            },
        )
    return HTML(string=html).write_pdf()

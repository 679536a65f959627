"""The yearly 双报到 statement a community sends to each work unit: an A4 PDF of the unit's members
registered here and the points each earned, through the same renderer and checks as the printed
notices (gongzhi.notices.printing: no CJK font or no Pango is a clear message, never boxes)."""

from django.template.loader import render_to_string
from django.utils import translation

from gongzhi.core import clock
from gongzhi.core.errors import WrongState
from gongzhi.notices.printing import NO_CJK_FONT, NO_PANGO, cjk_font_families, qr_svg_data_uri


def statement_pdf(*, community, year: int, unit: str, lines) -> bytes:
    if not cjk_font_families():
        raise WrongState(NO_CJK_FONT)
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint's import loads Pango through ctypes
        raise WrongState(NO_PANGO) from exc
    with translation.override("zh-hans"):  # sent to a work unit's party organisation: in Chinese
        html = render_to_string("party/statement_print.html", {
            "community": community, "year": year, "unit": unit, "lines": lines,
            "total": sum(line.points for line in lines), "fonts": cjk_font_families(), "today": clock.today(),
        })
    return HTML(string=html).write_pdf()


def board_pdf(publication, *, leaf, verify_url: str) -> bytes:
    """A published 亮身份 board as an A4 poster: exactly the notice's table (what the log holds), with
    the QR code that opens the notice's verification page."""
    if not cjk_font_families():
        raise WrongState(NO_CJK_FONT)
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint's import loads Pango through ctypes
        raise WrongState(NO_PANGO) from exc
    notice = publication.notice
    table = notice.table or {"columns": [], "rows": []}
    members = [dict(zip(("name", "building", "posts", "contact"), row, strict=False)) for row in table["rows"]]
    with translation.override("zh-hans"):  # posted in a Chinese stairwell
        html = render_to_string("party/board_print.html", {
            "notice": notice, "leaf": leaf, "leaf_hash": bytes(leaf.leaf_hash).hex(), "verify_url": verify_url,
            "qr": qr_svg_data_uri(verify_url), "fonts": cjk_font_families(), "members": members,
            "place": str(publication.building) if publication.building_id else publication.estate.name,
        })
    return HTML(string=html).write_pdf()

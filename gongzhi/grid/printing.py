"""A plan's checkpoint QR codes as an A4 PDF to print and post at each stop: scanning one with the
phone's camera opens the checkpoint's page, which marks it in the scanner's patrol. Through the same
renderer and checks as the printed notices (no CJK font or no Pango is a clear message, never boxes)."""

from django.template.loader import render_to_string
from django.utils import translation

from gongzhi.core import clock
from gongzhi.core.errors import WrongState
from gongzhi.notices.printing import NO_CJK_FONT, NO_PANGO, cjk_font_families, qr_svg_data_uri


def checkpoints_pdf(plan, *, url_for) -> bytes:
    """`url_for(checkpoint)` is the absolute address its QR code carries."""
    if not cjk_font_families():
        raise WrongState(NO_CJK_FONT)
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint's import loads Pango through ctypes
        raise WrongState(NO_PANGO) from exc
    stops = [{"checkpoint": c, "url": url_for(c), "qr": qr_svg_data_uri(url_for(c))}
             for c in plan.checkpoints.select_related("building").order_by("position", "pk")]
    with translation.override("zh-hans"):  # posted in a Chinese estate
        html = render_to_string("grid/checkpoints_print.html", {
            "plan": plan, "stops": stops, "fonts": cjk_font_families(), "today": clock.today()})
    return HTML(string=html).write_pdf()

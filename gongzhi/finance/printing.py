"""Printable fee receipts: an A5 PDF with the machine's Chinese fonts, through the same renderer and the
same checks as the printed notices (gongzhi.notices.printing: no CJK font or no Pango is a clear
message, never boxes or a crash)."""

from django.template.loader import render_to_string
from django.utils import translation

from gongzhi.core.errors import WrongState
from gongzhi.core.money import yuan
from gongzhi.notices.printing import NO_CJK_FONT, NO_PANGO, cjk_font_families


def receipt_pdf(payment) -> bytes:
    if not cjk_font_families():
        raise WrongState(NO_CJK_FONT)
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint's import loads Pango through ctypes
        raise WrongState(NO_PANGO) from exc
    with translation.override("zh-hans"):  # a receipt handed to an owner is in Chinese
        html = render_to_string("finance/receipt_print.html", {
            "payment": payment, "bill": payment.bill, "amount": yuan(payment.amount),
            "fonts": cjk_font_families(),
        })
    return HTML(string=html).write_pdf()

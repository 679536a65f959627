"""What a page offers: every <form method="post"> shown, as the action it would perform, with the
fields a browser would send — for the per-persona "no form that would answer 403" tests."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str  # the URL it posts to
    data: dict = field(default_factory=dict)  # hidden inputs and the first option of each select
    buttons: list = field(default_factory=list)  # (name, value) of each submit button; ("", "") unnamed
    fields: set = field(default_factory=set)  # every named input, select and textarea


class _Parser(HTMLParser):
    def __init__(self, page_url):
        super().__init__()
        self.page_url, self.forms, self.form, self.select = page_url, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.form = Form(a.get("action") or self.page_url)
        elif self.form is None:
            return
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self.form.buttons.append((a.get("name") or "", a.get("value") or ""))
        elif tag in ("input", "select", "textarea") and a.get("name"):
            self.form.fields.add(a["name"])
            if tag == "input" and a.get("type") == "hidden":
                self.form.data[a["name"]] = a.get("value") or ""
            if tag == "select":
                self.select = a["name"]
        elif tag == "option" and self.select and self.select not in self.form.data:
            self.form.data[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.forms.append(self.form) if self.form is not None else None
            self.form = None
        elif tag == "select":
            self.select = None


LAYOUT = ("/logout/", "/display/large-font/", "/i18n/")  # base.html's own forms, on every page


def post_forms(html: str, page_url: str) -> list[Form]:
    """The page's post forms, without the layout's (log out, large font, language)."""
    parser = _Parser(page_url)
    parser.feed(html)
    return [f for f in parser.forms if not f.action.startswith(LAYOUT)]


def submissions(html: str, page_url: str):
    """(form, button name, button value) for every submit button of every post form."""
    for form in post_forms(html, page_url):
        for name, value in form.buttons or [("", "")]:
            yield form, name, value


def submit(client, form: Form, name: str, value: str):
    data = {k: v for k, v in form.data.items() if k != "csrfmiddlewaretoken"}
    if name:
        data[name] = value
    return client.post(form.action, data)

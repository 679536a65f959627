"""Every action a page offers has an API twin under /api/v1: each POST form names the operations it
stands for (data-api="operation_id …"), and each named operation exists in the OpenAPI document with a
writing method. A form that is not an action on the product's records says why (data-no-api)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gongzhi.api import api
from tests.helpers import crawl

ROOT = Path(__file__).resolve().parents[2] / "gongzhi"
# Forms with no API twin, and why: they change this browser's session or display, not a record.
NO_API_REASONS = {"session", "display"}
WRITES = {"post", "put", "patch", "delete"}


def _write_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {op["operationId"] for methods in schema["paths"].values()
            for method, op in methods.items() if method in WRITES}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append(a)


def _problems(forms: list[dict], where: str, operations: set[str]) -> list[str]:
    problems = []
    for form in forms:
        named = (form.get("data-api") or "").split()
        if form.get("data-no-api") in NO_API_REASONS:
            continue
        if not named:
            problems.append(f"{where}: a POST form ({form.get('action') or 'this page'}) names no API twin")
        problems += [f"{where}: data-api names {op!r}, which is not a writing operation of /api/v1"
                     for op in named if op not in operations]
    return problems


def test_every_post_form_in_every_template_names_its_api_twin():
    operations = _write_operations()
    problems, count = [], 0
    for template in sorted(ROOT.rglob("templates/**/*.html")):
        tags = re.findall(r"<form\b[^>]*>", template.read_text())
        parser = _Forms()
        parser.feed("".join(tags))
        count += len(parser.forms)
        problems += _problems(parser.forms, str(template.relative_to(ROOT)), operations)
    assert count > 60  # the templates' POST forms were found at all
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("username", [
    "wangayi", "lixiansheng", "chen", "zhaozhuren", "zhangjingli", "yanshuji", "sunjiancha", "wuganbu",
    "zhoushenji", "guanliyuan",
])
def test_every_post_form_a_persona_is_shown_has_an_api_twin(login, username):
    operations = _write_operations()
    problems, forms = [], 0
    for kind, html in crawl(login(username), most=50):
        parser = _Forms()
        parser.feed(html)
        forms += len(parser.forms)
        problems += _problems(parser.forms, kind, operations)
    assert forms > 0
    assert problems == [], "\n".join(problems)


def test_a_form_naming_an_operation_that_does_not_exist_is_caught():
    operations = _write_operations()
    assert _problems([{"data-api": "approval_sign"}], "page", operations) == []
    assert _problems([{"data-api": "approval_sign no_such_thing"}], "page", operations) != []
    assert _problems([{"data-api": "approval"}], "page", operations) != []  # a read is not a twin
    assert _problems([{}], "page", operations) != []
    assert _problems([{"data-no-api": "display"}], "page", operations) == []
    assert _problems([{"data-no-api": "because"}], "page", operations) != []


def test_no_two_api_schemas_share_a_name():
    """django-ninja names an OpenAPI component after its class: two apps' `DeliveryOut` would leave one
    operation documented (and fuzzed) with the other's shape."""
    import re
    from collections import Counter
    from pathlib import Path

    names = Counter(m for path in Path("gongzhi").glob("*/api.py")
                    for m in re.findall(r"^class (\w+)\(Schema\)", path.read_text(), re.M))
    assert [n for n, count in names.items() if count > 1] == []

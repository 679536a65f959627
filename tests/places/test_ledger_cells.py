"""A ledger (台账) refuses NUL, control characters and Unicode direction controls in every cell, read
or not, as every text field does: "张\u202e三" would show reversed on every page and export, and a
direction control in a unit code would make "1-1-101" read "101-1-1". The row and column are named,
nothing is imported."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.api_schema import BIDI_CONTROLS, CONTROL_CHARACTERS, DIRECTION_CONTROLS
from gongzhi.core.errors import InvalidInput
from gongzhi.places import ledger
from gongzhi.places.models import Estate
from tests.helpers import YIWU, estate
from tests.places.test_ledger import HEADER, counts, good_rows, xlsx

DIRECTIONS = sorted(BIDI_CONTROLS)


def _csv(rows, header=HEADER) -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in [header, *rows]).encode()


@pytest.mark.parametrize("char", DIRECTIONS, ids=[f"U+{ord(c):04X}" for c in DIRECTIONS])
@pytest.mark.parametrize("column", range(len(HEADER)), ids=HEADER)
def test_a_direction_control_in_any_cell_refuses_the_file(community, community_staff, char, column):
    rows = good_rows()
    rows[1][column] = f"{rows[1][column]}{char}" if rows[1][column] != "" else char
    before = counts()
    with pytest.raises(ledger.LedgerImportError) as error:
        ledger.parse_rows(ledger.read_table(xlsx(rows), "t.xlsx"), community_name=community.name)
    assert (3, HEADER[column], DIRECTION_CONTROLS) in {(e.row, e.column, e.reason) for e in error.value.errors}
    assert counts() == before


def test_nul_and_control_characters_in_a_cell_are_refused(community):
    rows = good_rows()
    rows[0][6] = "张\x00三"
    rows[2][3] = "1-1-102\x1b"
    with pytest.raises(ledger.LedgerImportError) as error:
        ledger.parse_rows(ledger.read_table(_csv(rows), "t.csv"), community_name=community.name)
    assert {(e.row, e.column, e.reason) for e in error.value.errors} == {
        (2, "业主姓名", CONTROL_CHARACTERS), (4, "房号", CONTROL_CHARACTERS)}


def test_a_cell_of_a_column_the_ledger_does_not_read_is_checked_too(community):
    """An extra column (备注) is not imported, but a file carrying hidden characters is not trusted."""
    rows = [[*row, ""] for row in good_rows()]
    rows[3][-1] = "\u2066备注\u2069"
    with pytest.raises(ledger.LedgerImportError) as error:
        ledger.parse_rows(ledger.read_table(xlsx(rows, [*HEADER, "备注"]), "t.xlsx"), community_name=community.name)
    assert [(e.row, e.column, e.reason) for e in error.value.errors] == [(5, "备注", DIRECTION_CONTROLS)]


def test_a_direction_control_in_a_header_is_refused(community):
    with pytest.raises(InvalidInput) as error:
        ledger.parse_rows(ledger.read_table(xlsx(good_rows(), ["\u202d小区", *HEADER[1:]]), "t.xlsx"),
                          community_name=community.name)
    assert error.value.message == DIRECTION_CONTROLS


def test_the_upload_page_names_the_row_and_imports_nothing(login):
    rows = good_rows()
    rows[0][6] = "张\u202e三"
    community = estate(YIWU).community_id
    response = login("shequ").post("/ledger/import/", {"community": community,
                                                      "file": SimpleUploadedFile("t.xlsx", xlsx(rows))})
    page = response.content.decode()
    assert response.status_code == 200 and DIRECTION_CONTROLS in page and "<td>2</td>" in page
    assert not Estate.objects.filter(name="新华苑").exists()

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argmine.document import Unit
from argmine.errors import InputError
from argmine.text.paragraphs import paragraph_index, paragraph_spans
from argmine.text.segmentation import segment, to_units, units_from_strings
from argmine.text.validation import check_text

_SEED_NAME = "track-ii-talks.txt"


def _seed() -> str:
    path = Path(__file__).resolve().parents[1] / "seeds" / _SEED_NAME
    if not path.is_file():
        path = Path("/work/shared/seeds") / _SEED_NAME
    if not path.is_file():
        pytest.skip(f"seed article {_SEED_NAME} not found")
    return path.read_text(encoding="utf-8")


def texts(text: str) -> list[str]:
    return [u.text for u in segment(text)]


def assert_well_formed(text: str, units: list[Unit]) -> None:
    previous_end = 0
    paragraphs = paragraph_spans(text)
    for i, unit in enumerate(units):
        assert unit.index == i
        assert text[unit.start : unit.end] == unit.text
        assert unit.text and unit.text == unit.text.strip()
        assert unit.start >= previous_end
        previous_end = unit.end
        start, end = paragraphs[unit.paragraph]
        assert start <= unit.start and unit.end <= end  # never crosses a line break
    covered = "".join(u.text for u in units)
    assert [c for c in covered if not c.isspace()] == [c for c in text if not c.isspace()]


# --- properties ---------------------------------------------------------------------------

_PIECES = st.sampled_from(
    list("aAzZ09 .?!…\"'“”‘’()[]-—–+,;:\n\r\t\x00\x0b\x0c\x1c\x85\u2028\u2029\xa0")
    + ["U.S.", "Mr.", "e.g.", "...", "\r\n", "1. ", "- ", "(a) ", "J. ", "No. 5", "etc. The"]
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_units_segment_any_unicode_is_well_formed(text: str) -> None:
    assert_well_formed(text, segment(text))


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_units_segment_punctuation_soup_is_well_formed(text: str) -> None:
    assert_well_formed(text, segment(text))


@given(st.lists(st.text(min_size=1).filter(str.strip), min_size=1, max_size=8),
       st.sampled_from([" ", "\n", "", " | "]))
def test_units_from_strings_spans_slice_back(items: list[str], separator: str) -> None:
    text, units = units_from_strings(items, separator=separator)
    assert text == separator.join(items)
    assert [u.text for u in units] == [item.strip() for item in items]
    for i, unit in enumerate(units):
        assert unit.index == i
        assert text[unit.start : unit.end] == unit.text


def test_units_segment_long_runs_stay_fast() -> None:
    # The boundary regex is anchored at the start of a run; a quadratic scan would time out.
    for text in ("." * 200_000 + "a", "a. " * 100_000, "(" * 100_000 + "x. y"):
        assert_well_formed(text, segment(text))


# --- examples -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It began in the U.S. and the U.K. last year. Then it spread.",
         ["It began in the U.S. and the U.K. last year.", "Then it spread."]),
        ("Mr. Brown and Mrs. Brown met Dr. Green. They talked.",
         ["Mr. Brown and Mrs. Brown met Dr. Green.", "They talked."]),
        ("Some fruit, e.g. Apples, and i.e. Pears, etc. and more. Next.",
         ["Some fruit, e.g. Apples, and i.e. Pears, etc. and more.", "Next."]),
        ("It was Iran vs. Iraq at St. Mary's, No. 5 on the list. Done.",
         ["It was Iran vs. Iraq at St. Mary's, No. 5 on the list.", "Done."]),
        ("We met J. Smith and J. R. R. Tolkien. Fine.",
         ["We met J. Smith and J. R. R. Tolkien.", "Fine."]),
        ("Talks with the P5+1 went on. They ended.",
         ["Talks with the P5+1 went on.", "They ended."]),
        ("It grew 3.5 percent to $4.20. Good.", ["It grew 3.5 percent to $4.20.", "Good."]),
        ("It ended in the U.S. The talks went on.",
         ["It ended in the U.S.", "The talks went on."]),
        ("The U.S. Army and the U.S. Senate agreed.",
         ["The U.S. Army and the U.S. Senate agreed."]),
        ("Apples, pears, etc. The list goes on.", ["Apples, pears, etc.", "The list goes on."]),
        ("No. It is not.", ["No.", "It is not."]),
    ],
)
def test_units_segment_abbreviations_and_numbers(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He said “stop.” Then he left.", ["He said “stop.”", "Then he left."]),
        ('He asked "why?" Nobody knew.', ['He asked "why?"', "Nobody knew."]),
        ('"Is it true?" she asked. Yes.', ['"Is it true?" she asked.', "Yes."]),
        ("He said ‘go.’ We went.", ["He said ‘go.’", "We went."]),
        ("It rained (a lot.) Then sun.", ["It rained (a lot.)", "Then sun."]),
        ("He left. “Why?” she asked.", ["He left.", "“Why?” she asked."]),
    ],
)
def test_units_segment_quotes(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_units_segment_em_dash_never_splits() -> None:
    text = "Talks are needed—particularly Track II—because. It was over. — Or was it?"
    assert texts(text) == ["Talks are needed—particularly Track II—because.",
                           "It was over. — Or was it?"]


def test_units_segment_question_and_exclamation_marks() -> None:
    assert texts("Is it weak? Are they sure?! Yes! 3 times.") == [
        "Is it weak?", "Are they sure?!", "Yes!", "3 times."
    ]
    assert texts("Hello there!Really? ok then") == ["Hello there!Really? ok then"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wait... what happened? I don't know… Nothing.",
         ["Wait... what happened?", "I don't know…", "Nothing."]),
        ("Wait... Then we left.", ["Wait...", "Then we left."]),
        ("It went up… and down… 3 times.", ["It went up… and down… 3 times."]),
        ("... And then it ended.", ["... And then it ended."]),
    ],
)
def test_units_segment_ellipses(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_units_segment_list_items_are_units() -> None:
    text = "Reasons:\n- cheap\n* fast\n• safe\n1. First one\n2) second. Really\n(a) third\n"
    assert texts(text) == [
        "Reasons:", "- cheap", "* fast", "• safe", "1. First one", "2) second.", "Really",
        "(a) third",
    ]
    assert [u.paragraph for u in segment(text)] == [0, 1, 2, 3, 4, 5, 5, 6]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n", "\n\n", "\r\n\r\n"])
def test_units_segment_line_endings(newline: str) -> None:
    text = f"One line. Still one{newline}Second paragraph{newline}"
    units = segment(text)
    assert [u.text for u in units] == ["One line.", "Still one", "Second paragraph"]
    assert [u.paragraph for u in units] == [0, 0, 1]
    assert_well_formed(text, units)


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n\t", "\u2028 \xa0"])
def test_units_segment_blank_is_empty(text: str) -> None:
    assert segment(text) == []


def test_units_segment_rejects_non_text() -> None:
    with pytest.raises(InputError) as info:
        segment(b"bytes")  # type: ignore[arg-type]
    assert info.value.code == "E006"


def test_units_segment_seed_sentences() -> None:
    text = _seed()
    units = segment(text)
    assert_well_formed(text, units)
    found = [u.text for u in units]
    assert len(found) == 38
    iran = next(t for t in found if t.startswith("While official talks where ongoing"))
    assert "P5+1 (the U.S., Germany, the U.K., France, Russia, and China)" in iran
    assert iran.endswith("of the nuclear talks.")
    welcome = next(t for t in found if t.startswith("This is a welcome step, even though"))
    assert welcome.endswith("between the former U.S. officials and the Russians.")
    assert "But isn’t this going behind the back of Ukraine?" in found
    assert "Not at all." in found
    nbc = found[0]
    assert nbc.startswith("NBC News reported this morning that a group of former U.S. government")
    assert nbc.endswith("to end the war in Ukraine.”")


def test_units_paragraph_helpers_unchanged() -> None:
    assert paragraph_spans("One.\r\n\r\nTwo. Three.\n") == ((0, 4), (8, 19))
    assert paragraph_index(((0, 4), (8, 19)), 9) == 1
    assert paragraph_index(((0, 4), (8, 19)), 6) == 0


# --- pre-segmented input ------------------------------------------------------------------


def test_units_from_strings_joins_and_strips() -> None:
    text, units = units_from_strings([" We act. ", "It pays."], separator="\n")
    assert text == " We act. \nIt pays."
    assert [(u.text, u.start, u.end, u.paragraph) for u in units] == [
        ("We act.", 1, 8, 0), ("It pays.", 10, 18, 1)
    ]


@pytest.mark.parametrize(
    ("items", "index"), [(["ok", ""], 1), (["  "], 0), (["ok", 3], 1), ([None], 0), ([], 0)]
)
def test_units_from_strings_rejects_bad_items(items: list, index: int) -> None:
    with pytest.raises(InputError) as info:
        units_from_strings(items)
    assert info.value.code == "E007"
    assert info.value.details["index"] == index


def test_units_to_units_accepts_text_list_and_tuple() -> None:
    assert to_units("One. Two.")[1][1].text == "Two."
    text, units = to_units(("One", "Two"))
    assert text == "One Two" and [u.text for u in units] == ["One", "Two"]
    assert to_units(["Just one"])[1][0].end == 8


@pytest.mark.parametrize("value", [b"text", 3, None, {"a": 1}, {"x"}])
def test_units_to_units_rejects_other_types(value: object) -> None:
    with pytest.raises(InputError) as info:
        to_units(value)  # type: ignore[arg-type]
    assert info.value.code == "E006"
    assert info.value.details["type_name"] == type(value).__name__


def test_units_to_units_rejects_bad_list_items() -> None:
    with pytest.raises(InputError) as info:
        to_units(["fine", 7])  # type: ignore[list-item]
    assert info.value.code == "E007"


# --- input checks -------------------------------------------------------------------------


def test_units_check_text_decodes_and_strips_bom() -> None:
    assert check_text("Héllo.".encode()) == "Héllo."
    assert check_text(b"\xef\xbb\xbfHi.") == "Hi."
    assert check_text("\ufeffHi.") == "Hi."
    assert check_text("Plain str.") == "Plain str."


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"ab\x00cd", "E004"),
        ("ab\x00cd", "E004"),
        (b"\xff\xfeh\x00i\x00", "E014"),  # UTF-16 (issue 16): named, not "binary"
        (b"caf\xe9", "E003"),
        (b"", "E002"),
        (b" \n\t", "E002"),
        (b"\xef\xbb\xbf", "E002"),
        ("", "E002"),
        (b"x" * 11, "E005"),
        (12, "E006"),
    ],
)
def test_units_check_text_errors(data: object, code: str) -> None:
    with pytest.raises(InputError) as info:
        check_text(data, source="in.txt", max_chars=10)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.path == "in.txt"


def test_units_check_text_reports_size_and_limit() -> None:
    with pytest.raises(InputError) as info:
        check_text("x" * 11, max_chars=10)
    assert info.value.details == {"size": 11, "limit": 10}
    assert info.value.path is None
    assert check_text("x" * 10, max_chars=10) == "x" * 10


def test_units_check_text_reports_line_of_bad_byte() -> None:
    with pytest.raises(InputError) as info:
        check_text(b"ok\nok\nbad \xc3(", source="f.txt")
    assert info.value.code == "E003" and info.value.line == 3

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora._brat import BratSpan, parse_ann, parse_ann_text
from argmine.errors import CorpusFormatError

TEXT = "We act now. It pays off. No, it costs."


def _ann(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_brat_parses_spans_relations_and_attributes():
    ann = parse_ann_text(
        _ann(
            "T1\tClaim 0 10\tWe act now",
            "A1\tStance T1 For",
            "T2\tPremise 12 23\tIt pays off",
            "R1\tsupports Arg1:T2 Arg2:T1\t",
        ),
        TEXT,
    )
    assert ann.spans[0] == BratSpan("T1", "Claim", 0, 10, "We act now", ((0, 10),), 1)
    assert ann.span("T2").type == "Premise"
    rel = ann.relations[0]
    assert (rel.id, rel.type, rel.source, rel.target, rel.line) == ("R1", "supports", "T2", "T1", 4)
    assert ann.attribute_values("Stance") == {"T1": "For"}
    assert ann.attributes[0].line == 2


def test_brat_skips_comments_events_and_blank_lines():
    ann = parse_ann_text(
        _ann(
            "#1\tAnnotatorNotes T1\tchecked twice",
            "",
            "T1\tClaim 0 10\tWe act now",
            "   ",
            "E1\tEvent:T1",
            "*\tEquiv T1 T1",
            "N1\tReference T1 Wiki:123\tact",
        ),
        TEXT,
    )
    assert [s.id for s in ann.spans] == ["T1"]
    assert ann.relations == ()


def test_brat_flag_attribute_has_no_value():
    ann = parse_ann_text(_ann("T1\tClaim 0 10\tWe act now", "M1\tNegated T1"), TEXT)
    assert ann.attributes[0].value is None
    assert ann.attributes[0].type == "Negated"


def test_brat_discontinuous_span_takes_outer_span():
    ann = parse_ann_text(_ann("T1\tClaim 0 2;7 10\tWe now"), TEXT)
    span = ann.spans[0]
    assert (span.start, span.end) == (0, 10)
    assert span.fragments == ((0, 2), (7, 10))


def test_brat_forward_references_resolve():
    ann = parse_ann_text(
        _ann("R1\tattacks Arg1:T2 Arg2:T1", "A1\tStance T1 For",
             "T1\tClaim 0 10\tWe act now", "T2\tPremise 25 27\tNo"),
        TEXT,
    )
    assert ann.relations[0].source == "T2"


def test_brat_relation_arguments_in_any_order():
    ann = parse_ann_text(
        _ann("T1\tClaim 0 10\tWe act now", "T2\tPremise 25 27\tNo",
             "R1\tattacks Arg2:T1 Arg1:T2"),
        TEXT,
    )
    assert (ann.relations[0].source, ann.relations[0].target) == ("T2", "T1")


def test_brat_trailing_tab_after_span_text_is_tolerated():
    ann = parse_ann_text(_ann("T1\tClaim 0 10\tWe act now\t"), TEXT)
    assert ann.spans[0].text == "We act now"


def test_brat_crlf_files(tmp_path: Path):
    text = "Title\r\n\r\nWe act now.\r\nIt pays.\r\n"
    (tmp_path / "d.txt").write_bytes(text.encode("utf-8"))
    content = "T1\tClaim 9 19\tWe act now\r\nT2\tPremise 22 29\tIt pays\r\n" \
        "R1\tsupports Arg1:T2 Arg2:T1\t\r\n"
    (tmp_path / "d.ann").write_bytes(content.encode("utf-8"))
    ann = parse_ann(tmp_path / "d.ann", text)
    assert [(s.start, s.end, s.text) for s in ann.spans] == [(9, 19, "We act now"),
                                                           (22, 29, "It pays")]
    assert ann.relations[0].target == "T1"
    assert ann.path == str(tmp_path / "d.ann")


def test_brat_span_across_a_line_break_matches_with_a_space():
    ann = parse_ann_text(_ann("T1\tClaim 0 5\tab cd"), "ab\ncd")
    assert ann.spans[0].end == 5


@pytest.mark.parametrize(
    "line",
    [
        "T1\tClaim x 4\tWe a",
        "T1\tClaim 0 4",
        "T1\tClaim\tWe a",
        "T1\tClaim 0 4 6\tWe a",
        "R1\tsupports Arg1:T1",
        "R1\tsupports T1 T1",
        "A1\tStance",
        "Q1\tSomething T1",
        "this is not a brat line",
    ],
)
def test_brat_malformed_line_raises_e102_with_line(line: str):
    content = _ann("T1\tClaim 0 10\tWe act now", line)
    with pytest.raises(CorpusFormatError) as info:
        parse_ann_text(content, TEXT, path="x.ann")
    assert info.value.code == "E102"
    assert info.value.line == 2
    assert info.value.path == "x.ann"


@pytest.mark.parametrize("offsets", ["30 99", "5 5", "8 3"])
def test_brat_offsets_outside_text_raise_e103(offsets: str):
    with pytest.raises(CorpusFormatError) as info:
        parse_ann_text(_ann("#1\tnote", f"T1\tClaim {offsets}\tx"), TEXT, path="x.ann")
    assert (info.value.code, info.value.line) == ("E103", 2)


@pytest.mark.parametrize(
    "line", ["R1\tsupports Arg1:T2 Arg2:T9", "A1\tStance T9 For", "R1\tsupports Arg1:T9 Arg2:T1"]
)
def test_brat_dangling_reference_raises_e104(line: str):
    content = _ann("T1\tClaim 0 10\tWe act now", "T2\tPremise 12 23\tIt pays off", line)
    with pytest.raises(CorpusFormatError) as info:
        parse_ann_text(content, TEXT, path="x.ann")
    assert (info.value.code, info.value.line, info.value.path) == ("E104", 3, "x.ann")
    assert info.value.details["ref"] == "T9"


def test_brat_mismatched_text_raises_e105():
    with pytest.raises(CorpusFormatError) as info:
        parse_ann_text(_ann("T1\tClaim 0 10\tWe act now", "T2\tPremise 12 23\tIt pays 0ff"),
                       TEXT, path="x.ann")
    assert (info.value.code, info.value.line) == ("E105", 2)
    assert info.value.details["expected"] == "It pays off"


def test_brat_duplicate_id_raises_e107():
    with pytest.raises(CorpusFormatError) as info:
        parse_ann_text(_ann("T1\tClaim 0 10\tWe act now", "T1\tPremise 12 23\tIt pays off"),
                       TEXT)
    assert (info.value.code, info.value.line) == ("E107", 2)


def test_brat_missing_file_raises_e009(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        parse_ann(tmp_path / "missing.ann", TEXT)
    assert info.value.code == "E009"
    assert info.value.path == str(tmp_path / "missing.ann")


def test_brat_error_from_file_names_the_file(tmp_path: Path):
    path = tmp_path / "bad.ann"
    path.write_text("T1\tClaim 0 10\tWe act now\nR1\tsupports Arg1:T1 Arg2:T7\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        parse_ann(path, TEXT)
    assert (info.value.code, info.value.path, info.value.line) == ("E104", str(path), 2)


def test_brat_empty_file_gives_empty_annotation():
    ann = parse_ann_text("", TEXT)
    assert (ann.spans, ann.relations, ann.attributes) == ((), (), ())

"""The one text rule: cleaned, trimmed, required or not, within its limits."""

from __future__ import annotations

from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from citizenideas.services.text_rules import clean_text


def check(value, **rules):
    errors: dict[str, list[str]] = {}
    rules.setdefault("maximum", 10)
    rules.setdefault("too_long", "Too long")
    return clean_text(value, "field", errors, **rules), errors


def test_control_characters_go_and_line_endings_become_newlines():
    assert check("\x01 a\x00b\r\nc\rd\te\x7f \x1f", maximum=100) == ("ab\nc\nd\te", {})


def test_missing_text_is_an_error_only_when_required():
    assert check(None) == ("", {})
    assert check(" \x02 \n", required="Enter it") == ("", {"field": ["Enter it"]})


def test_lengths_are_counted_after_cleaning_and_trimming():
    assert check("  \x01abc\x01  ", minimum=3, too_short="Short") == ("abc", {})
    assert check("ab", minimum=3, too_short="Short") == ("ab", {"field": ["Short"]})
    assert check("x" * 11) == ("x" * 11, {"field": ["Too long"]})
    assert check(" " + "x" * 10 + "\x01 ") == ("x" * 10, {})


@given(st.text(alphabet=st.characters(exclude_categories=())))
def test_any_cleaned_text_is_valid_in_an_xml_document(value):
    text, _errors = check(value, maximum=10**6)
    element = ElementTree.Element("title")
    element.text = text
    parsed = ElementTree.fromstring(ElementTree.tostring(element, encoding="unicode"))
    assert (parsed.text or "") == text
    assert "\r" not in text

"""One-line text: control characters found, email subjects flattened (issue 13, defect 12)."""

import pytest

from opendlp.core.text import EMAIL_SUBJECT_MAX_LENGTH, control_characters, email_subject, one_line


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Climate assembly", []),
        ("a\r\nb", ["U+000D", "U+000A"]),
        ("tab\there\t", ["U+0009"]),
        ("nel\x85 ls\u2028 nul\x00", ["U+0085", "U+2028", "U+0000"]),
        ("émoji 🌍 and zero\u200dwidth joiner", []),
    ],
)
def test_control_characters_named(text, found):
    assert control_characters(text) == found


def test_one_line_flattens_breaks_and_runs_of_space():
    assert one_line("  a\r\n\tb \u2029 c\x00d  ") == "a b c d"


def test_email_subject_one_line_and_bounded():
    subject = email_subject("Invited to “Climate\r\nBcc: x@example.org”" + "x" * 500)
    assert "\n" not in subject and "\r" not in subject
    assert len(subject) <= EMAIL_SUBJECT_MAX_LENGTH
    assert subject.startswith("Invited to “Climate Bcc: x@example.org”")

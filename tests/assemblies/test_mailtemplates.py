"""The organisers' email templates: only known ``{{ placeholders }}``, no template tags, and
values escaped in HTML."""

from __future__ import annotations

import pytest

from assemblies.mailtemplates import (
    PLACEHOLDERS,
    default_wording,
    render,
    template_problems,
)
from assemblies.models import EmailKind


def test_template_problems_none_for_known_placeholders():
    text = "Hello {{ name }},\n{{assembly}} {{  withdraw_link  }}"
    assert template_problems(text) == []


def test_template_problems_unknown_placeholder_named_with_line():
    problems = template_problems("Hello,\n\nDear {{ nmae }}")
    assert len(problems) == 1
    assert problems[0].startswith("line 3: unknown placeholder {{ nmae }}")
    assert "{{ name }}" in problems[0]


@pytest.mark.parametrize(
    "text",
    ["{{ name|upper }}", "{{ registrant.email }}", "{{ }}", "{{ name assembly }}"],
)
def test_template_problems_malformed_placeholder(text):
    problems = template_problems(text)
    assert len(problems) == 1 and "malformed placeholder" in problems[0], problems


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("{% load static %}", "{%"),
        ("Hello {{ name", "{{"),
        ("Hello name }}", "}}"),
        ("{# comment #}", "{#"),
    ],
)
def test_template_problems_stray_marks_and_tags(text, mark):
    problems = template_problems(text)
    assert any(f"stray {mark!r}" in p for p in problems), problems


def test_render_escapes_values_in_html_only():
    values = {"name": "<script>alert(1)</script>"}
    assert render("<p>{{ name }}</p>", values, html=True) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert render("Hi {{ name }}", values) == "Hi <script>alert(1)</script>"


def test_render_does_not_reread_values_as_templates():
    assert render("{{ name }}", {"name": "{{ assembly }}", "assembly": "X"}) == "{{ assembly }}"


@pytest.mark.parametrize("kind", EmailKind.values)
def test_default_wording_uses_only_known_placeholders(kind):
    wording = default_wording(kind)
    assert template_problems(wording.subject) == []
    assert template_problems(wording.text_body) == []
    assert wording.version == 0 and len(wording.digest) == 64


def test_default_confirmation_has_the_confirm_link():
    assert "{{ confirm_link }}" in default_wording(EmailKind.CONFIRMATION).text_body
    assert set(PLACEHOLDERS) >= {"name", "assembly", "confirm_link", "registration_link"}

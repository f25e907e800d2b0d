"""Numeric bands and percentage quotas (assemblies.bands): pure rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assemblies.bands import (
    Band,
    BandError,
    band_parse,
    band_value,
    bands_from_text,
    bands_parse,
    percent_bounds,
    percent_of_panel,
    percent_parse,
)

AGES = ["16-29", "30-44", "45-64", "65+"]


def test_band_parse_closed_and_open():
    assert band_parse(" 16-29 ") == Band("16-29", 16, 30)
    assert band_parse("65+") == Band("65+", 65, None)


@pytest.mark.parametrize("text", ["", "young", "16", "29-16", "1.5-3", "-5"])
def test_band_parse_refuses_malformed_text(text):
    with pytest.raises(BandError):
        band_parse(text)


def test_bands_parse_sorts_from_the_lowest():
    assert [b.label for b in bands_parse(["65+", "30-44", "16-29", "45-64"])] == AGES


def test_bands_parse_refuses_overlap():
    with pytest.raises(BandError, match="'16-29' and '25-44' overlap"):
        bands_parse(["16-29", "25-44"])


def test_bands_parse_refuses_a_gap_naming_the_missing_numbers():
    with pytest.raises(BandError, match="30 to 34 are in no band"):
        bands_parse(["16-29", "35-44"])


def test_bands_parse_refuses_an_open_band_below_another():
    with pytest.raises(BandError, match="overlap"):
        bands_parse(["30+", "45-64"])


def test_bands_from_text_splits_on_commas_semicolons_and_lines():
    assert bands_from_text("16-29, 30-44;45-64\n65+ ,") == AGES


@pytest.mark.parametrize(
    ("answer", "value"),
    [("37", "30-44"), ("29.5", "16-29"), ("30", "30-44"), ("99", "65+"), ("16", "16-29")],
)
def test_band_value_maps_numbers_to_their_band(answer, value):
    assert band_value(bands_parse(AGES), answer) == value


def test_band_value_keeps_answers_that_are_not_numbers():
    assert band_value(bands_parse(AGES), "30-44") == "30-44"
    assert band_value([], "37") == "37"


def test_band_value_refuses_a_number_in_no_band():
    with pytest.raises(BandError, match="12 is in no band"):
        band_value(bands_parse(AGES), "12")


def test_percent_parse():
    assert percent_parse("12") is None
    assert percent_parse(" 20 % ") == Decimal("20.00")
    assert percent_parse("12.5%") == Decimal("12.50")
    with pytest.raises(BandError, match="more than 100%"):
        percent_parse("120%")
    with pytest.raises(BandError, match="not a percentage"):
        percent_parse("x%")


def test_percent_bounds_round_min_down_and_max_up():
    # 20% of 33 is 6.6: the range [6, 7] holds the share asked for.
    assert percent_bounds(Decimal("20"), Decimal("20"), 33) == (6, 7)
    assert percent_bounds(Decimal("25"), Decimal("50"), 40) == (10, 20)
    assert percent_bounds(None, Decimal("10"), 33, min_count=2, max_count=9) == (2, 4)


def test_percent_of_panel():
    assert percent_of_panel(6, 33) == "18.2%"
    assert percent_of_panel(10, 40) == "25%"
    assert percent_of_panel(1, 0) == ""

"""Numeric bands and percentage quotas: pure rules, no database.

**Bands.** A category may turn a raw number into one of its values: an age of 37 becomes
``30-44``. A band is written as its value: ``"16-29"`` holds every number x with
16 <= x < 30 (whole-number bounds, so 29.5 is in ``16-29``), ``"65+"`` holds x >= 65.
The bands of a category must not overlap and, between the lowest and the highest, leave no
gap (``16-29, 35-44`` leaves 30 to 34 in no band); only the last band may be open (``65+``).
A number below the lowest band or above a closed highest band is in no band: an import names
its line and column. A cell that is not a number is left as it is (an answer already given as
``30-44`` stays that value).

**Percentages.** A quota's min or max may be given as a share of the panel (``"20%"``); it is
converted with the panel size, min rounding down and max rounding up, so the range never
shrinks below the share asked for: 20% of a panel of 33 is 6.6, so min 6 and max 7.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

_CLOSED = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")
_OPEN = re.compile(r"^\s*(\d+)\s*\+\s*$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(\.\d+)?)\s*%\s*$")


class BandError(ValueError):
    """A band definition or a number that fits no band; the message is a sentence."""


@dataclass(frozen=True)
class Band:
    """One band: its value (``label``), lowest number ``low`` and ``high``, the first number
    above it (exclusive; None for an open band such as ``65+``)."""

    label: str
    low: int
    high: int | None

    def holds(self, number: Decimal) -> bool:
        """Whether ``number`` is in the band."""
        return number >= self.low and (self.high is None or number < self.high)


def band_parse(text: str) -> Band:
    """A band from its text: ``"16-29"`` or ``"65+"`` (whole numbers).

    Raises:
        BandError: any other text, or a band whose upper number is below its lower one.
    """
    label = text.strip()
    if match := _CLOSED.match(label):
        low, top = int(match.group(1)), int(match.group(2))
        if top < low:
            raise BandError(f"Band {label!r}: {top} is less than {low}.")
        return Band(label, low, top + 1)
    if match := _OPEN.match(label):
        return Band(label, int(match.group(1)), None)
    raise BandError(f"Band {label!r} is not of the form 16-29 or 65+ (whole numbers).")


def bands_parse(texts: Iterable[str]) -> list[Band]:
    """Check a category's band texts and return them sorted from the lowest.

    Raises:
        BandError: a malformed band, the same band twice, two bands that overlap, a gap
            between two bands, or an open band that is not the highest.
    """
    bands = sorted((band_parse(t) for t in texts if t.strip()), key=lambda b: b.low)
    for before, after in zip(bands, bands[1:], strict=False):
        if before.high is None or after.low < before.high:
            raise BandError(f"Bands {before.label!r} and {after.label!r} overlap.")
        if after.low > before.high:
            raise BandError(
                f"Between bands {before.label!r} and {after.label!r}, the numbers "
                f"{before.high} to {after.low - 1} are in no band."
            )
    return bands


def bands_from_text(text: str) -> list[str]:
    """The band texts typed in a box, separated by commas, semicolons or line breaks."""
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def is_number(text: str) -> bool:
    """Whether a cell is a plain number (``"37"``, ``"37.5"``), as bands read it."""
    return bool(_NUMBER.match(text))


def band_value(bands: Sequence[Band], answer: str) -> str:
    """The value of an answer: the band holding it when it is a number, else the answer.

    Args:
        bands: from :func:`bands_parse` (empty: the answer is returned as it is).
        answer: the raw text (e.g. ``"37"``, ``"30-44"``, ``"female"``).

    Raises:
        BandError: the answer is a number in no band (the message lists the bands).
    """
    if not bands or not _NUMBER.match(answer):
        return answer
    try:
        number = Decimal(answer.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return answer
    for band in bands:
        if band.holds(number):
            return band.label
    names = ", ".join(b.label for b in bands)
    raise BandError(f"{answer.strip()} is in no band (bands: {names})")


def percent_parse(text: str) -> Decimal | None:
    """The percentage of a cell such as ``"20%"`` or ``"12.5 %"``, or None for a count.

    Raises:
        BandError: a percentage above 100, or a cell with ``%`` that is not a number.
    """
    if "%" not in text:
        return None
    match = _PERCENT.match(text)
    if match is None:
        raise BandError(f"{text.strip()!r} is not a percentage such as 20%.")
    share = Decimal(match.group(1))
    if share > 100:
        raise BandError(f"{text.strip()!r} is more than 100%.")
    return share.quantize(Decimal("0.01"))


def percent_bounds(
    min_percent: Decimal | None,
    max_percent: Decimal | None,
    panel_size: int,
    *,
    min_count: int = 0,
    max_count: int = 0,
) -> tuple[int, int]:
    """The counts of a quota whose bounds may be percentages of a panel of ``panel_size``.

    ``min`` = floor(min_percent x panel / 100), ``max`` = ceil(max_percent x panel / 100);
    a bound without a percentage keeps its count (``min_count``/``max_count``).

    Returns:
        ``(min, max)`` as whole numbers of people.
    """
    low = min_count if min_percent is None else _share(min_percent, panel_size, ROUND_FLOOR)
    high = max_count if max_percent is None else _share(max_percent, panel_size, ROUND_CEILING)
    return low, high


def _share(percent: Decimal, panel_size: int, rounding: str) -> int:
    exact = Decimal(percent) * panel_size / 100
    return int(exact.to_integral_value(rounding=rounding))


def percent_of_panel(count: int, panel_size: int) -> str:
    """``count`` as a share of the panel for display, e.g. ``"16.7%"``."""
    if panel_size <= 0:
        return ""
    share = (Decimal(count) * 100 / panel_size).quantize(Decimal("0.1"))
    return f"{share.normalize():f}%"

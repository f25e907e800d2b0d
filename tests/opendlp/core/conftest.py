"""Fixtures of the core tests."""

from __future__ import annotations

import io
import logging

import pytest


@pytest.fixture
def console_log():
    """What the console handler configured by ``settings.LOGGING`` writes, as a StringIO.

    The handler (with its redaction filter and format) stays the configured one; only its
    stream is swapped for the test.
    """
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)

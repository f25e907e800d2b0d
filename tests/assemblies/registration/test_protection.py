"""Honeypot, minimum fill time and rate limits (assemblies/registration/protection.py)."""

from __future__ import annotations

import time

import pytest
from django.test import RequestFactory

from assemblies.registration import protection
from assemblies.registration.protection import FillCheck


def test_honeypot_filled_true_when_value_present():
    assert protection.honeypot_filled({"website": "http://spam.example"})


@pytest.mark.parametrize("value", ["", "   ", None])
def test_honeypot_filled_false_when_blank(value):
    assert not protection.honeypot_filled({"website": value})


def test_honeypot_filled_false_when_absent():
    assert not protection.honeypot_filled({})


def test_fill_token_check_ok_after_minimum_seconds(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 3
    token = protection.fill_token_make(scope="register:1", now=1000.0)
    assert protection.fill_token_check(token=token, scope="register:1", now=1003.5) == FillCheck.OK


def test_fill_token_check_too_fast_before_minimum_seconds(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 3
    token = protection.fill_token_make(scope="register:1", now=1000.0)
    check = protection.fill_token_check(token=token, scope="register:1", now=1002.0)
    assert check == FillCheck.TOO_FAST


def test_fill_token_check_invalid_when_expired(settings):
    settings.REGISTRATION_FORM_MAX_AGE = 3600
    token = protection.fill_token_make(scope="register:1", now=1000.0)
    check = protection.fill_token_check(token=token, scope="register:1", now=1000.0 + 3601)
    assert check == FillCheck.INVALID


def test_fill_token_check_invalid_when_from_the_future():
    token = protection.fill_token_make(scope="register:1", now=time.time() + 600)
    assert protection.fill_token_check(token=token, scope="register:1") == FillCheck.INVALID


def test_fill_token_check_invalid_for_another_scope():
    token = protection.fill_token_make(scope="register:1", now=time.time() - 60)
    assert protection.fill_token_check(token=token, scope="register:2") == FillCheck.INVALID


@pytest.mark.parametrize("token", ["", "garbage", "eyJzIjoicmVnaXN0ZXI6MSIsInQiOjF9:xxx:yyy"])
def test_fill_token_check_invalid_when_forged(token):
    assert protection.fill_token_check(token=token, scope="register:1") == FillCheck.INVALID


def test_fill_token_check_invalid_when_signature_tampered():
    token = protection.fill_token_make(scope="register:1", now=time.time() - 60)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert protection.fill_token_check(token=tampered, scope="register:1") == FillCheck.INVALID


@pytest.mark.parametrize(
    ("text", "count", "period"),
    [
        ("30/h", 30, 3600),
        ("5/600s", 5, 600),
        ("10/m", 10, 60),
        ("100/2d", 100, 172800),
        ("7/45", 7, 45),
    ],
)
def test_rate_parse_reads_count_and_period(text, count, period):
    assert protection.rate_parse(text) == protection.Rate(count=count, period=period)


@pytest.mark.parametrize("text", ["", "h", "0/h", "5/0s", "5/x", "five/h"])
def test_rate_parse_rejects_malformed_rates(text):
    with pytest.raises(ValueError):
        protection.rate_parse(text)


def test_rate_limit_consume_refuses_after_count():
    outcomes = [
        protection.rate_limit_consume(bucket="ip", key="192.0.2.1", rate="3/h", now=7200.0)
        for _ in range(5)
    ]
    assert outcomes == [True, True, True, False, False]


def test_rate_limit_consume_counts_keys_apart():
    for _ in range(2):
        protection.rate_limit_consume(bucket="ip", key="192.0.2.1", rate="2/h", now=7200.0)
    assert not protection.rate_limit_consume(bucket="ip", key="192.0.2.1", rate="2/h", now=7200.0)
    assert protection.rate_limit_consume(bucket="ip", key="192.0.2.2", rate="2/h", now=7200.0)
    assert protection.rate_limit_consume(bucket="email", key="192.0.2.1", rate="2/h", now=7200.0)


def test_rate_limit_consume_allows_again_in_next_window():
    for _ in range(3):
        protection.rate_limit_consume(bucket="ip", key="192.0.2.9", rate="2/h", now=7200.0)
    assert protection.rate_limit_consume(bucket="ip", key="192.0.2.9", rate="2/h", now=10800.0)


@pytest.mark.redis
def test_rate_limit_consume_counts_in_redis():
    from django.core.cache import caches

    assert "Redis" in type(caches["default"]).__name__
    results = [
        protection.rate_limit_consume(bucket="email", key="a@example.org", rate="2/m", now=600.0)
        for _ in range(3)
    ]
    assert results == [True, True, False]


def test_client_ip_is_remote_addr_when_no_proxy_trusted(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().post(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.1"
    )
    assert protection.client_ip(request) == "198.51.100.7"


def test_client_ip_is_forwarded_address_when_one_proxy_trusted(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1, 203.0.113.9"
    )
    assert protection.client_ip(request) == "203.0.113.9"


def test_email_allowed_ignores_case(settings):
    settings.REGISTRATION_RATE_LIMIT_EMAIL = "2/h"
    assert protection.email_allowed("Ada@Example.org")
    assert protection.email_allowed("ada@example.org")
    assert not protection.email_allowed("ADA@EXAMPLE.ORG ")

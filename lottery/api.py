"""JSON API of the daily lottery (mounted under ``/api/`` by :mod:`opendlp.api`).

Endpoints parse, call one service or selector, and shape the answer; errors raised by the
services are turned into ``{"error": code, "message": text}`` by :mod:`opendlp.api`.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import Field

from accounts.api import USER_AUTH, ApiError, ErrorOut
from lottery.models import Ballot, Lottery
from lottery.selectors import (
    lottery_ballot_total,
    lottery_eligible_ids,
    lottery_get,
    lottery_winner,
)
from lottery.services import ballot_submit, lottery_close

router = Router(tags=["lotteries"])


class InternalTokenAuth(APIKeyHeader):
    """``X-Internal-Token`` compared in constant time with ``settings.LOTTERY_CLOSE_TOKEN``.

    Refused with 403 when the setting is empty (closing by API is then off), or the header
    is missing or wrong. The setting is read at each request.
    """

    param_name = "X-Internal-Token"

    def __call__(self, request: HttpRequest) -> Any:
        return self.authenticate(request, self._get_key(request))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        expected = settings.LOTTERY_CLOSE_TOKEN or ""
        if not expected:
            raise ApiError(403, "close_disabled", "Closing by API is disabled on this server.")
        if not key or not hmac.compare_digest(key.encode(), expected.encode()):
            raise ApiError(403, "invalid_internal_token", "The internal token is wrong.")
        return "internal"


class BallotOut(Schema):
    """A ballot as its owner sees it."""

    id: int
    date: dt.date = Field(description="The date of the lottery the ballot is in.")
    submitted_at: dt.datetime
    lottery_status: Literal["open", "drawn", "void"]


class WinnerOut(Schema):
    """The winning ballot of a date."""

    id: int = Field(description="The winning ballot's id.")
    date: dt.date
    submitted_at: dt.datetime


class LotteryOut(Schema):
    """A lottery and, once closed, its draw."""

    date: dt.date
    status: Literal["open", "drawn", "void"]
    ballot_count: int = Field(
        description="Open: ballots so far. Closed: eligible ballots the draw was made from."
    )
    closed_at: dt.datetime | None
    seed: str | None = Field(description="256-bit seed, 64 hex characters; null while open.")
    digest: str | None = Field(
        description="SHA-256 (hex) of the ordered eligible ballot ids; null while open."
    )
    winner: WinnerOut | None


def _winner(ballot: Ballot, date: dt.date) -> dict[str, Any]:
    return {
        "id": ballot.pk,
        "date": date,
        "submitted_at": ballot.submitted_at,
    }


def _lottery(lottery: Lottery) -> dict[str, Any]:
    winner = lottery.winning_ballot
    return {
        "date": lottery.date,
        "status": lottery.status,
        "ballot_count": lottery_ballot_total(lottery=lottery),
        "closed_at": lottery.closed_at,
        "seed": lottery.seed or None,
        "digest": lottery.digest or None,
        "winner": _winner(winner, lottery.date) if winner else None,
    }


@router.post(
    "/lotteries/today/ballots",
    auth=USER_AUTH,
    response={200: BallotOut, 201: BallotOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    url_name="ballot_submit",
)
def ballot_submit_endpoint(request: HttpRequest) -> Status:
    """Enter today's lottery: 201 with the new ballot, or 200 with the existing one."""
    ballot, created = ballot_submit(user=request.auth)  # type: ignore[attr-defined]
    body = {
        "id": ballot.pk,
        "date": ballot.lottery.date,
        "submitted_at": ballot.submitted_at,
        "lottery_status": ballot.lottery.status,
    }
    return Status(201 if created else 200, body)


@router.get(
    "/lotteries/{date}",
    response={200: LotteryOut, 404: ErrorOut, 422: ErrorOut},
    url_name="lottery_detail",
)
def lottery_detail_endpoint(request: HttpRequest, date: dt.date) -> dict[str, Any]:
    """The lottery of a date (``YYYY-MM-DD``): status, ballot count, seed, digest, winner."""
    return _lottery(lottery_get(date=date))


@router.get(
    "/lotteries/{date}/winner",
    response={200: WinnerOut, 404: ErrorOut, 422: ErrorOut},
    url_name="lottery_winner",
)
def lottery_winner_endpoint(request: HttpRequest, date: dt.date) -> dict[str, Any]:
    """The winning ballot of a date; 404 when there is no lottery, or it is open or void."""
    return _winner(lottery_winner(date=date), date)


@router.get(
    "/lotteries/{date}/ballots",
    response={404: ErrorOut, 422: ErrorOut},
    url_name="lottery_ballots",
    openapi_extra={
        "responses": {
            "200": {
                "description": (
                    "The eligible ballot ids of a closed lottery, increasing, each followed by "
                    "a newline: the text whose SHA-256 is the lottery's digest."
                ),
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def lottery_ballots_endpoint(request: HttpRequest, date: dt.date) -> StreamingHttpResponse:
    """The eligible ballots of a closed lottery (numbers only), so anyone can recompute its
    digest and winner; 404 while it is open."""
    _, ids = lottery_eligible_ids(date=date)
    return StreamingHttpResponse(
        (f"{ballot_id}\n" for ballot_id in ids), content_type="text/plain; charset=us-ascii"
    )


@router.post(
    "/lotteries/{date}/close",
    auth=InternalTokenAuth(),
    response={200: LotteryOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="lottery_close",
)
def lottery_close_endpoint(request: HttpRequest, date: dt.date) -> dict[str, Any]:
    """Close the lottery of a date before today (for operators' scripts).

    Needs the ``X-Internal-Token`` header. Closing a closed lottery returns its stored draw;
    409 when the date is today or later; 404 when there is no lottery on that date.
    """
    return _lottery(lottery_close(date=date, via="api"))

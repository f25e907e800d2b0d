"""Pages of the daily lottery: today's lottery (enter with one button) and a day's result."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from lottery.draw import DRAW_DOMAIN
from lottery.errors import LotteryError, LotteryNotFoundError
from lottery.selectors import lottery_eligible_ids, lottery_overview, lottery_page
from lottery.services import ballot_submit

#: Closed lotteries listed per page on ``/lottery/``.
RESULTS_PER_PAGE = 10


@require_GET
def lottery_index(request: HttpRequest) -> HttpResponse:
    """``GET /lottery/``: today's lottery, the visitor's ballot, recent results (paginated)."""
    overview = lottery_overview(user=request.user)
    results = Paginator(overview.closed, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "lottery/index.html", {"overview": overview, "results": results})


@login_required
@require_POST
def ballot_enter(request: HttpRequest) -> HttpResponse:
    """``POST /lottery/enter/``: submit the signed-in user's ballot to today's lottery."""
    try:
        ballot, created = ballot_submit(user=request.user)  # type: ignore[arg-type]
    except LotteryError as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.success(request, f"You are in today's lottery with ballot {ballot.pk}.")
        else:
            messages.info(request, f"You are already in today's lottery (ballot {ballot.pk}).")
    return redirect("lottery:index")


@require_GET
def lottery_detail(request: HttpRequest, date: dt.date) -> HttpResponse:
    """``GET /lottery/<YYYY-MM-DD>/``: the result, seed and digest, and how to verify them."""
    try:
        page = lottery_page(date=date, user=request.user)
    except LotteryNotFoundError as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "lottery/detail.html",
        {"page": page, "lottery": page.lottery, "draw_domain": DRAW_DOMAIN.decode("ascii")},
    )


@require_GET
def lottery_ballots(request: HttpRequest, date: dt.date) -> StreamingHttpResponse:
    """``GET /lottery/<YYYY-MM-DD>/ballots.txt``: the eligible ballot ids of a closed lottery,
    increasing, each followed by a newline: exactly the text whose SHA-256 is the published
    digest (ballot ids are numbers, not names). 404 while the lottery is open."""
    try:
        lottery, ids = lottery_eligible_ids(date=date)
    except LotteryNotFoundError as exc:
        raise Http404(str(exc)) from exc
    response = StreamingHttpResponse(
        (f"{ballot_id}\n" for ballot_id in ids), content_type="text/plain; charset=us-ascii"
    )
    response["Content-Disposition"] = f'attachment; filename="ballots-{date.isoformat()}.txt"'
    return response

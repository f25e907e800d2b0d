"""The lottery pages: today's lottery with its one button, a day's result, pagination."""

import datetime as dt
import subprocess
import sys

import pytest
from django.utils import timezone

from lottery.models import Ballot
from lottery.selectors import lottery_today
from lottery.services import ballot_submit, lottery_close
from tests.accounts.factories import UserFactory
from tests.lottery.factories import LotteryFactory

pytestmark = pytest.mark.django_db


def closed_days(count: int) -> list:
    """Close ``count`` past days, each with one ballot; newest first."""
    closed = []
    for back in range(1, count + 1):
        ballot_submit(user=UserFactory(), now=timezone.now() - dt.timedelta(days=back))
        closed.append(lottery_close(date=lottery_today() - dt.timedelta(days=back)))
    return closed


def test_index_anonymous_invites_sign_in_and_has_no_button(client):
    response = client.get("/lottery/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/auth/login/?next=/lottery/" in html
    assert 'action="/lottery/enter/"' not in html
    assert "<script" not in html


def test_index_signed_in_shows_button_then_ballot(client, user):
    client.force_login(user)
    assert 'action="/lottery/enter/"' in client.get("/lottery/").content.decode()
    response = client.post("/lottery/enter/", follow=True)
    ballot = Ballot.objects.get(user=user)
    html = response.content.decode()
    assert response.redirect_chain == [("/lottery/", 302)]
    assert f"#{ballot.pk}</strong>" in html
    assert 'action="/lottery/enter/"' not in html


def test_enter_twice_keeps_one_ballot(client, user):
    client.force_login(user)
    client.post("/lottery/enter/")
    response = client.post("/lottery/enter/", follow=True)
    assert Ballot.objects.filter(user=user).count() == 1
    assert "already in today" in response.content.decode()


def test_enter_banned_user_shows_error_and_no_ballot(client, user):
    user.banned_at = timezone.now()
    user.save()
    client.force_login(user)
    response = client.post("/lottery/enter/", follow=True)
    assert "banned" in response.content.decode()
    assert not Ballot.objects.exists()


def test_enter_anonymous_redirects_to_sign_in(client):
    response = client.post("/lottery/enter/")
    assert response.status_code == 302 and response.url.startswith("/auth/login/")
    assert not Ballot.objects.exists()


def test_enter_get_not_allowed(client, user):
    client.force_login(user)
    assert client.get("/lottery/enter/").status_code == 405


def test_index_lists_results_paginated_newest_first(client):
    closed = closed_days(12)
    first = client.get("/lottery/").content.decode()
    second = client.get("/lottery/?page=2").content.decode()
    assert closed[0].date.isoformat() in first and closed[9].date.isoformat() in first
    assert closed[10].date.isoformat() not in first
    assert closed[10].date.isoformat() in second and closed[11].date.isoformat() in second
    assert first.index(closed[0].date.isoformat()) < first.index(closed[1].date.isoformat())
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_index_query_count_does_not_grow_with_results(client, user, django_assert_max_num_queries):
    closed_days(10)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get("/lottery/")
    assert response.content.decode().count("<tr>") == 1 + 10  # header and one row per result


def test_detail_drawn_shows_winner_seed_digest_and_how_to_verify(client):
    (lottery,) = closed_days(1)
    response = client.get(f"/lottery/{lottery.date.isoformat()}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert lottery.seed in html and lottery.digest in html
    assert f"#{lottery.winning_ballot_id}" in html
    assert f"verify_lottery {lottery.date.isoformat()}" in html
    assert lottery.winning_ballot.user.email not in html
    assert lottery.winning_ballot.user.display_name not in html  # ballot numbers, not names
    assert "<script" not in html
    assert f"/lottery/{lottery.date.isoformat()}/ballots.txt" in html
    assert "ids = [...]" not in html


def test_index_shows_ballot_numbers_not_names(client):
    closed = closed_days(2)
    html = client.get("/lottery/").content.decode()
    for lottery in closed:
        assert f"#{lottery.winning_ballot_id}" in html
        assert lottery.winning_ballot.user.display_name not in html


def test_ballots_download_runs_the_printed_check(client, tmp_path):
    """The script printed on the day page, run as printed on the downloaded file."""
    for _ in range(4):
        ballot_submit(user=UserFactory(), now=timezone.now() - dt.timedelta(days=1))
    lottery = lottery_close(date=lottery_today() - dt.timedelta(days=1))
    day = lottery.date.isoformat()
    response = client.get(f"/lottery/{day}/ballots.txt")
    assert response.status_code == 200
    (tmp_path / f"ballots-{day}.txt").write_bytes(b"".join(response.streaming_content))
    html = client.get(f"/lottery/{day}/").content.decode()
    script = html.split("<pre><code>")[1].split("</code></pre>")[0]
    script = script.replace("&lt;", "<").replace("&quot;", '"').replace("&#x27;", "'")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"winning ballot: {lottery.winning_ballot_id}"


def test_ballots_download_of_an_open_lottery_404(client, user):
    ballot, _ = ballot_submit(user=user)
    assert client.get(f"/lottery/{ballot.lottery.date.isoformat()}/ballots.txt").status_code == 404


def test_detail_shows_own_winning_ballot(client):
    (lottery,) = closed_days(1)
    client.force_login(lottery.winning_ballot.user)
    assert "it won" in client.get(f"/lottery/{lottery.date.isoformat()}/").content.decode()


def test_detail_open_lottery_hides_evidence(client, user):
    ballot, _ = ballot_submit(user=user)
    html = client.get(f"/lottery/{ballot.lottery.date.isoformat()}/").content.decode()
    assert "Check the draw" not in html and "Ballots so far" in html


def test_detail_void_says_so(client):
    day = lottery_today() - dt.timedelta(days=1)
    LotteryFactory(date=day)
    lottery_close(date=day)
    assert "no eligible ballot" in client.get(f"/lottery/{day.isoformat()}/").content.decode()


@pytest.mark.parametrize("path", ["/lottery/2001-01-01/", "/lottery/2026-02-30/", "/lottery/x/"])
def test_detail_missing_or_invalid_date_404(client, path):
    assert client.get(path).status_code == 404


def test_lottery_pages_with_nul_in_the_request_never_reach_the_database(client, user):
    """PostgreSQL stores no NUL: a NUL in the page number, the posted data or the date is
    ignored or answered 404, never a 500 (issue 13, defect 4)."""
    closed_days(1)
    client.raise_request_exception = False
    assert client.get("/lottery/", {"page": "1\x00"}).status_code == 200
    assert client.get("/lottery/2026-01-01%00/").status_code == 404
    client.force_login(user)
    response = client.post("/lottery/enter/", {"x\x00": "\x00", "user": "\x00"})
    assert response.status_code == 302
    assert Ballot.objects.filter(user=user).count() == 1

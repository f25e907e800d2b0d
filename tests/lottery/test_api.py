"""The lottery JSON API: every status code the issue lists, and the one error shape."""

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services.tokens import api_token_create, api_token_revoke
from lottery.draw import winner_index
from lottery.models import Ballot, Lottery
from lottery.selectors import lottery_today
from lottery.services import ballot_submit, lottery_close
from tests.accounts.factories import UserFactory
from tests.lottery.factories import LotteryFactory

pytestmark = pytest.mark.django_db
SUBMIT = "/api/lotteries/today/ballots"
CLOSE_HEADER = {"HTTP_X_INTERNAL_TOKEN": "internal-close-token-for-tests"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == code and body["message"]
    return body


@pytest.fixture
def yesterday():
    return lottery_today() - dt.timedelta(days=1)


@pytest.fixture
def drawn(yesterday):
    """Yesterday's lottery with three ballots, closed (drawn)."""
    users = [UserFactory(display_name=f"Voter {i}") for i in range(3)]
    for user in users:
        ballot_submit(user=user, now=timezone.now() - dt.timedelta(days=1))
    return lottery_close(date=yesterday)


# --- POST /api/lotteries/today/ballots -------------------------------------------------------


def test_submit_with_token_created_then_same_ballot(client, user, token_for):
    auth = token_for(user)
    first = client.post(SUBMIT, **auth)
    assert first.status_code == 201
    body = first.json()
    assert body["date"] == lottery_today().isoformat() and body["lottery_status"] == "open"
    again = client.post(SUBMIT, **auth)
    assert again.status_code == 200 and again.json() == body
    assert Ballot.objects.get().pk == body["id"]


def test_submit_anonymous_401(client):
    assert_error(client.post(SUBMIT), 401, "unauthenticated")
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    "header",
    ["Bearer odlp_0123456789ab_not-a-real-token", "Bearer nonsense", "Bearer "],
)
def test_submit_unknown_token_401(client, header):
    assert_error(client.post(SUBMIT, HTTP_AUTHORIZATION=header), 401, "invalid_token")


def test_submit_token_of_other_prefix_row_401(client, user):
    _, plain = api_token_create(user=user, name="mine")
    forged = plain[:-4] + ("AAAA" if not plain.endswith("AAAA") else "BBBB")
    assert_error(client.post(SUBMIT, HTTP_AUTHORIZATION=f"Bearer {forged}"), 401, "invalid_token")


def test_submit_revoked_token_401(client, user):
    token, plain = api_token_create(user=user, name="old")
    api_token_revoke(user=user, token_id=token.pk)
    response = client.post(SUBMIT, HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert_error(response, 401, "invalid_token")
    assert not Ballot.objects.exists()


def test_submit_token_of_inactive_user_401(client, user, token_for):
    auth = token_for(user)
    user.is_active = False
    user.save()
    assert_error(client.post(SUBMIT, **auth), 401, "invalid_token")


def test_submit_banned_user_403(client, user, token_for):
    auth = token_for(user)
    user.banned_at, user.ban_reason = timezone.now(), "spam"
    user.save()
    assert_error(client.post(SUBMIT, **auth), 403, "banned")
    assert not Ballot.objects.exists()


def test_submit_today_closed_409(client, user, token_for):
    today = lottery_today()
    LotteryFactory(date=today)
    lottery_close(date=today, now=timezone.now() + dt.timedelta(days=1))
    assert_error(client.post(SUBMIT, **token_for(user)), 409, "lottery_closed")


def test_submit_token_use_updates_last_used_at(client, user):
    token, plain = api_token_create(user=user, name="script")
    assert token.last_used_at is None
    client.post(SUBMIT, HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_submit_session_without_csrf_403(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert_error(browser.post(SUBMIT), 403, "csrf_failed")
    assert not Ballot.objects.exists()


def test_submit_session_with_csrf_201(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/lottery/")  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(SUBMIT, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201
    assert Ballot.objects.get().user == user


def test_submit_wrong_method_405(client, user, token_for):
    assert client.get(SUBMIT, **token_for(user)).status_code == 405


# --- GET /api/lotteries/{date} ---------------------------------------------------------------


def test_lottery_detail_open_hides_draw(client, user):
    ballot, _ = ballot_submit(user=user)
    response = client.get(f"/api/lotteries/{ballot.lottery.date.isoformat()}")
    assert response.status_code == 200
    assert response.json() == {
        "date": ballot.lottery.date.isoformat(),
        "status": "open",
        "ballot_count": 1,
        "closed_at": None,
        "seed": None,
        "digest": None,
        "winner": None,
    }


def test_lottery_detail_drawn_shows_draw_and_winner(client, drawn, yesterday):
    body = client.get(f"/api/lotteries/{yesterday.isoformat()}").json()
    winner = drawn.winning_ballot
    assert body["status"] == "drawn" and body["ballot_count"] == 3
    assert body["seed"] == drawn.seed and body["digest"] == drawn.digest
    assert body["closed_at"] == drawn.closed_at.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
    assert body["winner"] == {
        "id": winner.pk,
        "date": yesterday.isoformat(),
        "submitted_at": body["winner"]["submitted_at"],
    }
    submitted = dt.datetime.fromisoformat(body["winner"]["submitted_at"])
    assert abs(submitted - winner.submitted_at) < dt.timedelta(milliseconds=1)
    assert "@" not in str(body)  # never an email
    assert winner.user.display_name not in str(body)  # nor a name: ballot numbers only


def test_lottery_detail_missing_404(client):
    assert_error(client.get("/api/lotteries/2001-01-01"), 404, "not_found")


@pytest.mark.parametrize("bad", ["2026-13-45", "yesterday", "2026-02-30"])
def test_lottery_detail_bad_date_422(client, bad):
    assert_error(client.get(f"/api/lotteries/{bad}"), 422, "validation_error")


# --- GET /api/lotteries/{date}/winner --------------------------------------------------------


def test_winner_drawn_200(client, drawn, yesterday):
    body = client.get(f"/api/lotteries/{yesterday.isoformat()}/winner").json()
    assert body["id"] == drawn.winning_ballot_id
    assert body["date"] == yesterday.isoformat()
    assert "display_name" not in body


# --- GET /api/lotteries/{date}/ballots -------------------------------------------------------


def test_lottery_ballots_text_hashes_to_the_digest_and_names_the_winner(client, drawn, yesterday):
    response = client.get(f"/api/lotteries/{yesterday.isoformat()}/ballots")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = b"".join(response.streaming_content)
    assert hashlib.sha256(text).hexdigest() == drawn.digest
    ids = [int(line) for line in text.decode().splitlines()]
    assert ids == sorted(ids) and len(ids) == drawn.ballot_count
    index = winner_index(seed_hex=drawn.seed, count=len(ids))
    assert ids[index] == drawn.winning_ballot_id


def test_lottery_ballots_open_404(client, user):
    ballot, _ = ballot_submit(user=user)
    today = ballot.lottery.date.isoformat()
    assert client.get(f"/api/lotteries/{today}").json()["status"] == "open"
    assert_error(client.get(f"/api/lotteries/{today}/ballots"), 404, "not_found")


def test_winner_open_404(client, user):
    ballot, _ = ballot_submit(user=user)
    url = f"/api/lotteries/{ballot.lottery.date.isoformat()}/winner"
    assert "still open" in assert_error(client.get(url), 404, "no_winner")["message"]


def test_winner_void_404(client, yesterday):
    LotteryFactory(date=yesterday)
    lottery_close(date=yesterday)
    url = f"/api/lotteries/{yesterday.isoformat()}/winner"
    assert "void" in assert_error(client.get(url), 404, "no_winner")["message"]


def test_winner_missing_lottery_404(client):
    assert_error(client.get("/api/lotteries/2001-01-01/winner"), 404, "not_found")


# --- POST /api/lotteries/{date}/close --------------------------------------------------------


def close_url(day: dt.date) -> str:
    return f"/api/lotteries/{day.isoformat()}/close"


def test_close_with_token_200_then_same_result(client, yesterday):
    users = UserFactory.create_batch(4)
    for user in users:
        ballot_submit(user=user, now=timezone.now() - dt.timedelta(days=1))
    first = client.post(close_url(yesterday), **CLOSE_HEADER)
    assert first.status_code == 200
    assert first.json()["status"] == "drawn" and first.json()["winner"]["id"]
    second = client.post(close_url(yesterday), **CLOSE_HEADER)
    assert second.status_code == 200 and second.json() == first.json()


def test_close_void_day_200(client, yesterday):
    LotteryFactory(date=yesterday)
    response = client.post(close_url(yesterday), **CLOSE_HEADER)
    assert response.status_code == 200
    assert response.json()["status"] == "void" and response.json()["winner"] is None


def test_close_without_header_403(client, yesterday):
    LotteryFactory(date=yesterday)
    assert_error(client.post(close_url(yesterday)), 403, "invalid_internal_token")
    assert Lottery.objects.get(date=yesterday).status == "open"


def test_close_wrong_token_403(client, yesterday):
    LotteryFactory(date=yesterday)
    response = client.post(
        close_url(yesterday), HTTP_X_INTERNAL_TOKEN="internal-close-token-for-tesTS"
    )
    assert_error(response, 403, "invalid_internal_token")
    assert Lottery.objects.get(date=yesterday).status == "open"


def test_close_token_unset_403_even_with_empty_header(client, settings, yesterday):
    settings.LOTTERY_CLOSE_TOKEN = ""
    LotteryFactory(date=yesterday)
    assert_error(client.post(close_url(yesterday), HTTP_X_INTERNAL_TOKEN=""), 403, "close_disabled")
    assert_error(client.post(close_url(yesterday), **CLOSE_HEADER), 403, "close_disabled")


def test_close_token_compared_in_constant_time(client, yesterday, monkeypatch):
    import hmac

    import lottery.api

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(lottery.api.hmac, "compare_digest", spy)
    client.post(close_url(yesterday), HTTP_X_INTERNAL_TOKEN="guess")
    assert calls == [(b"guess", b"internal-close-token-for-tests")]


@pytest.mark.parametrize("days_ahead", [0, 1])
def test_close_today_or_later_409(client, days_ahead):
    day = lottery_today() + dt.timedelta(days=days_ahead)
    LotteryFactory(date=day)
    assert_error(client.post(close_url(day), **CLOSE_HEADER), 409, "not_closable")
    assert Lottery.objects.get(date=day).status == "open"


def test_close_missing_lottery_404(client, yesterday):
    assert_error(client.post(close_url(yesterday), **CLOSE_HEADER), 404, "not_found")


# --- shared ----------------------------------------------------------------------------------


def test_unknown_api_path_json_404(client):
    assert_error(client.get("/api/no-such-thing"), 404, "not_found")


def test_malformed_json_body_400(client, staff_user, token_for):
    response = client.post(
        "/api/users/1/ban",
        data="{not json",
        content_type="application/json",
        **token_for(staff_user),
    )
    assert_error(response, 400, "bad_request")

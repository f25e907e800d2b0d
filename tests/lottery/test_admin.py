"""Admin for lotteries and ballots: read-only, filterable, a fixed number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from lottery.models import Ballot
from lottery.selectors import lottery_today
from lottery.services import ballot_submit, lottery_close
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def closed_lotteries():
    lotteries = []
    for back in range(1, 6):
        for user in UserFactory.create_batch(3):
            ballot_submit(user=user, now=timezone.now() - dt.timedelta(days=back))
        lotteries.append(lottery_close(date=lottery_today() - dt.timedelta(days=back)))
    return lotteries


def test_lottery_changelist_lists_winners_without_n_plus_one(
    admin_client, closed_lotteries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/lottery/lottery/")
    assert response.status_code == 200
    html = response.content.decode()
    for lottery in closed_lotteries:
        assert f"#{lottery.winning_ballot_id} {lottery.winning_ballot.user.display_name}" in html


def test_lottery_changelist_filters_by_status(admin_client, closed_lotteries):
    response = admin_client.get("/admin/lottery/lottery/?status__exact=void")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_ballot_changelist_without_n_plus_one(
    admin_client, closed_lotteries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/lottery/ballot/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == Ballot.objects.count() == 15


def test_ballot_changelist_search_by_email(admin_client, closed_lotteries):
    ballot = Ballot.objects.select_related("user").first()
    response = admin_client.get("/admin/lottery/ballot/", {"q": ballot.user.email})
    assert list(response.context["cl"].result_list) == [ballot]


@pytest.mark.parametrize("model", ["lottery", "ballot"])
def test_admin_is_read_only(admin_client, closed_lotteries, model):
    assert admin_client.get(f"/admin/lottery/{model}/add/").status_code == 403
    obj_id = closed_lotteries[0].pk if model == "lottery" else Ballot.objects.first().pk
    change = admin_client.get(f"/admin/lottery/{model}/{obj_id}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert admin_client.post(f"/admin/lottery/{model}/{obj_id}/delete/").status_code == 403

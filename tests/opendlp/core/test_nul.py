"""NUL characters in query strings of the staff lists and in command arguments: refused like
any wrong lookup or argument, never sent to PostgreSQL (which answered 500 or printed a
traceback; issue 13, defect 4)."""

import pytest
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.urls import reverse

from opendlp.core.nul import NulSafeCommand, contains_nul
from tests.accounts.factories import UserFactory


def test_contains_nul_finds_it_in_strings_mappings_and_query_dicts():
    assert contains_nul("a\x00b") and contains_nul(b"\x00")
    assert contains_nul({"k": ["ok", "x\x00"]}) and contains_nul({"k\x00": "v"})
    assert contains_nul(QueryDict("a=1&a=%00")) and contains_nul(QueryDict("%00=1"))
    assert not contains_nul(QueryDict("a=1&b=\u2028")) and not contains_nul(None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("lottery_lottery", "status__exact"),
        ("lottery_ballot", "q"),
        ("opendlp_auditevent", "action__exact"),
        ("opendlp_auditevent", "target_type__exact"),
    ],
)
def test_staff_list_with_nul_in_query_redirects_with_the_usual_error(client, name, param):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    response = client.get(reverse(f"admin:{name}_changelist"), {param: "x\x00"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert "NUL" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts_user", "accounts_apitoken"])
def test_account_lists_with_nul_search_do_not_fail(client, name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    response = client.get(reverse(f"admin:{name}_changelist"), {"q": "x\x00"})
    assert response.status_code == 200


def test_nul_safe_command_names_the_argument_before_handle_runs():
    class Command(NulSafeCommand):
        ran = False

        def add_arguments(self, parser):
            parser.add_argument("slug")
            parser.add_argument("--title")

        def handle(self, *args, **options):
            Command.ran = True

    with pytest.raises(CommandError, match="'title' contains a NUL"):
        call_command(Command(), "ok", "--title", "T\x00")
    assert not Command.ran
    call_command(Command(), "ok", "--title", "T\u2028")
    assert Command.ran

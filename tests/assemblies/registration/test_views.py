"""The public pages under /a/<slug>/ through the Django test client (registration/views.py;
the signed links' pages are in test_links.py, the CSRF failure view in test_csrf.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.models import AssemblyMembership, AssemblyStatus, Registrant, RegistrantStatus
from assemblies.registration import protection
from tests.accounts.factories import UserFactory
from tests.assemblies.registration.conftest import fill_token, form_data
from tests.assemblies.registration.factories import AssemblyFactory


def url(name, assembly, **kwargs):
    return reverse(f"assemblies:{name}", kwargs={"slug": assembly.slug, **kwargs})


def link_from(message, purpose):
    found = re.search(rf"http://testserver(/a/[^/]+/{purpose}/[^/\s]+/)", message.body)
    assert found, message.body
    return found[1]


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST through the client, running on-commit callbacks (the email) as a commit would."""

    def send(path, data, *, via=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (via or client).post(path, data, **extra)

    return send


# --- the full flow ----------------------------------------------------------------------------


def test_register_confirm_withdraw_erase_full_flow(client, post, assembly, mailoutbox):
    response = client.get(url("register", assembly))
    assert response.status_code == 200
    response = post(url("register", assembly), form_data(assembly))
    assert response.status_code == 302 and response["Location"] == url("thanks", assembly)
    assert client.get(response["Location"]).status_code == 200

    registrant = Registrant.objects.get()
    assert (registrant.status, registrant.source) == (RegistrantStatus.PENDING, "form")
    assert len(mailoutbox) == 1

    confirm = link_from(mailoutbox[0], "confirm")
    page = client.get(confirm)
    assert page.status_code == 200 and b"Confirm my registration" in page.content
    assert Registrant.objects.get().status == RegistrantStatus.PENDING  # GET confirms nothing
    response = client.post(confirm)
    assert response.status_code == 302
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.POOL and registrant.email_confirmed_at
    assert b"Your registration is confirmed" in client.get(confirm).content

    withdraw = link_from(mailoutbox[0], "withdraw")
    assert client.get(withdraw).status_code == 200
    assert Registrant.objects.get().status == RegistrantStatus.POOL  # GET withdraws nothing
    assert client.post(withdraw).status_code == 302
    assert Registrant.objects.get().status == RegistrantStatus.WITHDRAWN
    assert b"You have withdrawn" in client.get(withdraw).content

    erase = link_from(mailoutbox[0], "erase")
    assert client.get(erase).status_code == 200
    assert Registrant.objects.get().erased_at is None  # GET erases nothing
    assert client.post(erase).status_code == 302
    erased = Registrant.objects.get()
    assert erased.status == RegistrantStatus.DELETED and erased.erased_at
    assert (erased.name, erased.email, erased.phone) == ("", "", "")
    assert erased.answers == {"gender": "Woman", "age": "30-44"}
    assert b"Your personal data has been erased" in client.get(erase).content


def test_register_twice_same_email_shows_same_thanks_and_resends(
    client, post, assembly, mailoutbox
):
    first = post(url("register", assembly), form_data(assembly))
    second = post(url("register", assembly), form_data(assembly, email="ADA@example.ORG"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Registrant.objects.count() == 1
    assert len(mailoutbox) == 2


# --- the pages --------------------------------------------------------------------------------


def test_landing_shows_assembly_and_register_link(client, assembly):
    page = client.get(url("landing", assembly)).content.decode()
    for text in (
        assembly.title,
        assembly.question,
        assembly.description,
        assembly.privacy_notice,
        "How the members are selected",
        "What is your gender?",
        url("register", assembly),
        "Registration closes",
    ):
        assert text in page


def test_landing_without_privacy_notice_shows_default(client, db):
    assembly = AssemblyFactory(privacy_notice="")
    page = client.get(url("landing", assembly)).content.decode()
    assert "link to erase" in page


@pytest.mark.parametrize("name", ["landing", "register", "thanks"])
def test_public_pages_404_for_draft(client, db, name):
    assembly = AssemblyFactory(status=AssemblyStatus.DRAFT)
    assert client.get(url(name, assembly)).status_code == 404


def test_public_pages_404_for_unknown_slug(client, db):
    assert client.get("/a/no-such-assembly/").status_code == 404


def test_register_not_open_yet_shows_page_and_stores_nothing(client, post, db, mailoutbox):
    assembly = AssemblyFactory(
        registration_opens_at=timezone.now() + dt.timedelta(days=1),
        registration_closes_at=timezone.now() + dt.timedelta(days=8),
    )
    page = client.get(url("register", assembly))
    assert page.status_code == 200 and b"Registration is not open yet" in page.content
    response = post(url("register", assembly), form_data(assembly))
    assert response.status_code == 403 and b"Registration is not open yet" in response.content
    assert Registrant.objects.count() == 0 and mailoutbox == []
    assert b"Registration is not open yet." in client.get(url("landing", assembly)).content


@pytest.mark.parametrize(
    "changes",
    [
        {"status": AssemblyStatus.CLOSED},
        {"status": AssemblyStatus.SELECTED},
        {
            "registration_opens_at": timezone.now() - dt.timedelta(days=8),
            "registration_closes_at": timezone.now() - dt.timedelta(days=1),
        },
    ],
)
def test_register_closed_shows_page_and_stores_nothing(client, post, db, mailoutbox, changes):
    assembly = AssemblyFactory(**changes)
    page = client.get(url("register", assembly))
    assert page.status_code == 200 and b"Registration is closed" in page.content
    response = post(url("register", assembly), form_data(assembly))
    assert response.status_code == 403 and b"Registration is closed" in response.content
    assert Registrant.objects.count() == 0 and mailoutbox == []


def test_register_page_semantics(client, assembly):
    page = client.get(url("register", assembly)).content.decode()
    assert page.count("<fieldset") == 2 and "<legend>What is your gender?</legend>" in page
    assert (
        page.index('value="Woman"')
        < page.index('value="Man"')
        < page.index('value="Another gender"')
    )
    for field in ("name", "email", "phone", "consent"):
        assert f'<label for="id_{field}">' in page
    assert 'aria-hidden="true"' in page and 'name="website"' in page
    assert 'name="form_token"' in page and "<script" not in page
    assert "postcode" not in page


def test_register_page_asks_address_when_household_check_on(client, db):
    from tests.assemblies.registration.factories import questions_add

    assembly = AssemblyFactory(household_check=True)
    questions_add(assembly)
    page = client.get(url("register", assembly)).content.decode()
    for field in ("address_line_1", "address_line_2", "town", "postcode"):
        assert f'id="id_{field}"' in page


def test_register_page_has_no_inline_script_under_csp(client, assembly):
    response = client.get(url("register", assembly))
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "<script" not in response.content.decode()


# --- the bad-input matrix: each refused, nothing stored, no email ------------------------------


BAD_INPUTS = {
    "missing answer": ({"category_0": None}, 400, "Choose an answer to this question."),
    "value not among choices": ({"category_1": "200"}, 400, "Choose one of the answers shown."),
    "overlong name": ({"name": "x" * 201}, 400, "Use at most 200 characters"),
    "overlong phone": ({"phone": "1" * 51}, 400, "Use at most 50 characters"),
    "overlong email": ({"email": "a" * 250 + "@example.org"}, 400, "Use at most 254"),
    "invalid email": ({"email": "ada-at-example"}, 400, "Enter an email address in the correct"),
    "missing consent": ({"consent": None}, 400, "Tick the box to agree"),
    "honeypot filled": ({"website": "http://spam.example"}, 400, "Leave this field empty"),
    "missing fill token": ({"form_token": None}, 400, "This form has expired"),
    "forged fill token": ({"form_token": "abc:def:ghi"}, 400, "This form has expired"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_register_bad_input_refused_and_nothing_stored(post, assembly, mailoutbox, case):
    changes, status, message = BAD_INPUTS[case]
    response = post(url("register", assembly), form_data(assembly, **changes))
    assert response.status_code == status
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert Registrant.objects.count() == 0 and mailoutbox == []


def test_register_too_fast_refused_and_nothing_stored(post, assembly, mailoutbox):
    data = form_data(assembly, form_token=fill_token(assembly, seconds_ago=1))
    response = post(url("register", assembly), data)
    assert response.status_code == 400
    assert "faster than a person can fill it in" in response.content.decode()
    assert Registrant.objects.count() == 0 and mailoutbox == []
    # The same token works once the minimum time has passed: the clock is not restarted.
    assert data["form_token"] in response.content.decode()


def test_register_expired_fill_token_refused(post, assembly, settings):
    settings.REGISTRATION_FORM_MAX_AGE = 30
    response = post(
        url("register", assembly),
        form_data(assembly, form_token=fill_token(assembly, seconds_ago=31)),
    )
    assert response.status_code == 400 and b"This form has expired" in response.content
    assert Registrant.objects.count() == 0


def test_register_fill_token_of_other_assembly_refused(post, assembly, db):
    other = AssemblyFactory()
    response = post(url("register", assembly), form_data(assembly, form_token=fill_token(other)))
    assert response.status_code == 400 and Registrant.objects.count() == 0


def test_register_script_tags_shown_escaped(post, assembly):
    script = '<script>alert("x")</script>'
    response = post(url("register", assembly), form_data(assembly, name=script, email="bad"))
    page = response.content.decode()
    assert response.status_code == 400
    assert script not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert Registrant.objects.count() == 0


def test_register_script_in_category_value_escaped(client, db):
    from tests.assemblies.registration.factories import questions_add

    assembly = AssemblyFactory(title="<b>Bold</b> assembly")
    questions_add(assembly, {"x": ("<i>Which</i>?", ['"><script>alert(1)</script>'])})
    page = client.get(url("register", assembly)).content.decode()
    assert "<script>alert(1)" not in page and "<i>Which</i>" not in page and "<b>Bold" not in page


def test_register_error_keeps_every_value_and_links_summary(post, assembly):
    data = form_data(assembly, email="not-an-email", consent=None, category_0=None)
    page = post(url("register", assembly), data).content.decode()
    assert 'value="Ada Lovelace"' in page and 'value="not-an-email"' in page
    assert 'value="+44 1632 960 001"' in page
    assert re.search(r'value="30-44" checked', page)
    assert '<a href="#id_category_0_0">' in page
    assert '<a href="#id_email">' in page and '<a href="#id_consent">' in page
    assert 'aria-describedby="id_email_hint id_email_error"' in page
    assert 'id="id_email_error"' in page and 'aria-invalid="true"' in page
    assert 'aria-describedby="id_category_0_error"' in page
    assert "<title>Error:" in page


def test_register_rate_limit_per_ip_refuses_and_stores_nothing(
    post, assembly, settings, mailoutbox
):
    settings.REGISTRATION_RATE_LIMIT_IP = "2/h"
    for number in range(2):
        post(url("register", assembly), form_data(assembly, email=f"p{number}@example.org"))
    response = post(url("register", assembly), form_data(assembly, email="p3@example.org"))
    assert response.status_code == 429
    assert "Too many registrations have been sent from your network" in response.content.decode()
    assert Registrant.objects.count() == 2 and len(mailoutbox) == 2
    assert 'value="p3@example.org"' in response.content.decode()


def test_register_rate_limit_per_ip_counts_each_address_apart(post, assembly, settings):
    settings.REGISTRATION_RATE_LIMIT_IP = "1/h"
    post(
        url("register", assembly),
        form_data(assembly, email="a@example.org"),
        REMOTE_ADDR="192.0.2.1",
    )
    response = post(
        url("register", assembly),
        form_data(assembly, email="b@example.org"),
        REMOTE_ADDR="192.0.2.2",
    )
    assert response.status_code == 302 and Registrant.objects.count() == 2


def test_register_rate_limit_per_email_refuses_resending(post, assembly, settings, mailoutbox):
    settings.REGISTRATION_RATE_LIMIT_EMAIL = "2/h"
    for _ in range(2):
        assert post(url("register", assembly), form_data(assembly)).status_code == 302
    response = post(url("register", assembly), form_data(assembly, email="ADA@example.org"))
    assert response.status_code == 429
    assert "This email address has been registered too often" in response.content.decode()
    assert Registrant.objects.count() == 1 and len(mailoutbox) == 2


# --- French -----------------------------------------------------------------------------------


def test_register_page_in_french_with_language_cookie(client, assembly):
    client.cookies["django_language"] = "fr"
    page = client.get(url("register", assembly)).content.decode()
    assert '<html lang="fr">' in page
    assert "Vos coordonnées" in page and "Adresse e-mail" in page and "S’inscrire" in page


def test_register_errors_in_french_with_accept_language(post, assembly):
    response = post(
        url("register", assembly),
        form_data(assembly, category_0=None, email="x"),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    page = response.content.decode()
    assert "Il y a un problème" in page and "Choisissez une réponse à cette question." in page


def test_language_switch_to_french_then_landing(client, assembly):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": url("landing", assembly)}
    )
    assert response.status_code == 302
    page = client.get(url("landing", assembly)).content.decode()
    assert "Comment les membres sont tirés au sort" in page


# --- preview ----------------------------------------------------------------------------------


def staff_member(assembly, role="manager"):
    user = UserFactory(is_staff=True)
    AssemblyMembership.objects.create(assembly=assembly, user=user, role=role)
    return user


def test_preview_requires_sign_in(client, assembly):
    response = client.get(url("preview", assembly))
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


def test_preview_404_for_staff_without_membership(client, db):
    assembly = AssemblyFactory(status=AssemblyStatus.DRAFT)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url("preview", assembly)).status_code == 404


def test_preview_404_for_member_who_is_not_staff(client, db):
    assembly = AssemblyFactory(status=AssemblyStatus.DRAFT)
    user = UserFactory(is_staff=False)
    AssemblyMembership.objects.create(assembly=assembly, user=user, role="manager")
    client.force_login(user)
    assert client.get(url("preview", assembly)).status_code == 404


@pytest.mark.parametrize("role", ["manager", "caller", "viewer"])
def test_preview_shows_draft_form_to_members(client, db, role):
    from tests.assemblies.registration.factories import questions_add

    assembly = AssemblyFactory(status=AssemblyStatus.DRAFT)
    questions_add(assembly)
    client.force_login(staff_member(assembly, role))
    page = client.get(url("preview", assembly)).content.decode()
    assert "Nothing you send here is saved" in page and "What is your gender?" in page
    assert f'action="{url("preview", assembly)}"' in page


def test_preview_shows_draft_form_to_superuser(client, db):
    assembly = AssemblyFactory(status=AssemblyStatus.DRAFT)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url("preview", assembly)).status_code == 200


def test_preview_post_validates_and_stores_nothing(client, post, db, mailoutbox):
    from tests.assemblies.registration.factories import questions_add

    assembly = AssemblyFactory(status=AssemblyStatus.DRAFT)
    questions_add(assembly)
    client.force_login(staff_member(assembly))
    data = form_data(assembly, form_token=None)
    valid = post(url("preview", assembly), data)
    assert valid.status_code == 200 and b"The answers are valid" in valid.content
    invalid = post(url("preview", assembly), {**data, "category_0": "Robot"})
    assert invalid.status_code == 400 and b"Choose one of the answers shown." in invalid.content
    assert Registrant.objects.count() == 0 and mailoutbox == []


def test_fill_token_field_name_matches_protection():
    assert protection.FILL_TOKEN_FIELD == "form_token"


def test_register_records_the_visitors_language(post, assembly):
    post(url("register", assembly), form_data(assembly), HTTP_ACCEPT_LANGUAGE="fr")
    post(url("register", assembly), form_data(assembly, email="b@example.org"))
    languages = dict(Registrant.objects.values_list("email", "language"))
    assert set(languages.values()) == {"fr", "en"}

"""The demo assembly of ``manage.py demo``."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from accounts.demo import DEMO_ORGANISER_EMAIL
from assemblies.demo import (
    DEMO_FRENCH,
    DEMO_POOL_SIZE,
    DEMO_SLUG,
    demo_people,
    demo_quotas_csv,
)
from assemblies.models import Assembly, Registrant

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    return tmp_path


def test_demo_creates_assembly_once_with_organiser_as_manager(var_dir):
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())
    assembly = Assembly.objects.get(slug=DEMO_SLUG)
    assert Registrant.objects.filter(assembly=assembly, status="pool").count() == DEMO_POOL_SIZE
    assert assembly.quotas.count() == 14
    assert assembly.categories.exclude(question="").count() == 4
    assert list(assembly.form_fields.values_list("key", flat=True)) == [
        "availability",
        "access_needs",
    ]
    membership = assembly.memberships.get()
    assert membership.user.email == DEMO_ORGANISER_EMAIL and membership.role == "manager"


def test_demo_assembly_is_open_for_registration_after_make_run(var_dir, client):
    call_command("demo", stdout=io.StringIO())
    assembly = Assembly.objects.get(slug=DEMO_SLUG)
    assert assembly.status == "open"
    page = client.get(f"/a/{DEMO_SLUG}/").content.decode()
    assert f"/a/{DEMO_SLUG}/register/" in page


def test_demo_leaves_a_demo_closed_since_closed(var_dir):
    from assemblies.services.assemblies import assembly_close_registration

    call_command("demo", stdout=io.StringIO())
    assembly = Assembly.objects.get(slug=DEMO_SLUG)
    assembly_close_registration(assembly_id=assembly.pk)
    call_command("demo", stdout=io.StringIO())
    assert Assembly.objects.get(slug=DEMO_SLUG).status == "closed"


def test_demo_people_are_the_same_every_time():
    assert demo_people() == demo_people()
    assert demo_quotas_csv(demo_people()).startswith("category,feature,min,max\ngender,woman,")


def test_demo_form_in_french(var_dir, client):
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())
    assembly = Assembly.objects.get(slug=DEMO_SLUG)
    assert assembly.translations.count() == len(DEMO_FRENCH)
    # A French request leaves French active in this thread (LocaleMiddleware): restore it.
    with translation.override(translation.get_language()):
        response = client.get(f"/a/{DEMO_SLUG}/register/", HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert "Assemblée citoyenne de démonstration sur le climat" in page
    assert "Quel est votre genre ?" in page and "non binaire" in page and "21-22 mars" in page
    assert "Quels week-ends de l’assemblée pouvez-vous suivre ?" in page

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_ORGANISER_EMAIL
from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    return tmp_path


def test_demo_twice_creates_once_and_prints_same_login(var_dir, client):
    first, second = io.StringIO(), io.StringIO()
    call_command("demo", stdout=first)
    users = User.objects.count()
    call_command("demo", stdout=second)
    assert User.objects.count() == users
    assert first.getvalue() == second.getvalue()
    password = first.getvalue().split("organiser: ")[1].split("password: ")[1].split()[0]
    assert client.login(username=DEMO_ORGANISER_EMAIL, password=password)
    assert client.get("/admin/").status_code == 200


def test_demo_refuses_without_debug(var_dir, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo", stdout=io.StringIO())

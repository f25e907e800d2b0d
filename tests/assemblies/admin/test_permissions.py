"""Who may open which organiser page and do which action: a table of role x page/action.

404 means "this assembly does not exist for you" (not a member); 403 means a member whose role
is too weak; 200/302 mean allowed.
"""

import pytest
from django.urls import reverse

from assemblies.models import Registrant, RegistrantStatus
from assemblies.services.runs import selection_run_start
from tests.assemblies.factories import StaffFactory

pytestmark = pytest.mark.django_db

ROLES = ("manager", "caller", "viewer", "outsider", "superuser", "staff", "anonymous")


@pytest.fixture
def world(small_assembly, manager, caller, viewer, outsider, superuser):
    """Users in every role, a pending run and a panel member to act on."""
    selected = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    selected.status = RegistrantStatus.SELECTED
    selected.save()
    run = selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
    return {
        "assembly": small_assembly,
        "run": run,
        "registrant": selected,
        "users": {
            "manager": manager,
            "caller": caller,
            "viewer": viewer,
            "outsider": outsider,
            "superuser": superuser,
            "staff": StaffFactory(),
            "anonymous": None,
        },
    }


def _a(w):
    return w["assembly"].pk


# (name, method, url builder, data builder, expected per role in ROLES order)
CASES = [
    (
        "admin index",
        "get",
        lambda w: reverse("admin:index"),
        None,
        (200, 200, 200, 200, 200, 200, 302),
    ),
    (
        "assembly list",
        "get",
        lambda w: reverse("admin:assemblies_assembly_changelist"),
        None,
        (200, 200, 200, 200, 200, 403, 302),
    ),
    (
        "assembly page",
        "get",
        lambda w: reverse("admin:assemblies_assembly_change", args=[_a(w)]),
        None,
        (200, 200, 200, 404, 200, 404, 302),
    ),
    (
        "assembly edit",
        "post",
        lambda w: reverse("admin:assemblies_assembly_change", args=[_a(w)]),
        lambda w: {},
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "assembly add",
        "get",
        lambda w: reverse("admin:assemblies_assembly_add"),
        None,
        (200, 403, 403, 200, 200, 403, 302),
    ),
    (
        "import quotas",
        "get",
        lambda w: reverse("admin:assemblies_assembly_import", args=[_a(w), "quotas"]),
        None,
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "import registrants",
        "get",
        lambda w: reverse("admin:assemblies_assembly_import", args=[_a(w), "registrants"]),
        None,
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "feasibility",
        "get",
        lambda w: reverse("admin:assemblies_assembly_feasibility", args=[_a(w)]),
        None,
        (200, 200, 200, 404, 200, 404, 302),
    ),
    (
        "select form",
        "get",
        lambda w: reverse("admin:assemblies_assembly_select", args=[_a(w)]),
        None,
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "replacements form",
        "get",
        lambda w: reverse("admin:assemblies_assembly_replacements", args=[_a(w)]),
        None,
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "close registration",
        "get",
        lambda w: reverse("admin:assemblies_assembly_lifecycle", args=[_a(w), "close"]),
        None,
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "export registrants",
        "get",
        lambda w: reverse("admin:assemblies_assembly_export", args=[_a(w), "registrants"]),
        None,
        (200, 403, 403, 404, 200, 404, 302),
    ),
    (
        "export panel",
        "get",
        lambda w: reverse("admin:assemblies_assembly_export", args=[_a(w), "panel"]),
        None,
        (200, 200, 403, 404, 200, 404, 302),
    ),
    (
        "registrant list",
        "get",
        lambda w: reverse("admin:assemblies_registrant_changelist"),
        None,
        (200, 200, 200, 200, 200, 403, 302),
    ),
    (
        "registrant page",
        "get",
        lambda w: reverse("admin:assemblies_registrant_change", args=[w["registrant"].pk]),
        None,
        (200, 200, 200, 404, 200, 404, 302),
    ),
    (
        "registrant confirm",
        "post",
        lambda w: reverse("admin:assemblies_registrant_change", args=[w["registrant"].pk]),
        lambda w: {
            "status": "confirmed",
            "external_id": "P01",
            "name": "Ann One",
            "email": "ann@example.org",
            "postcode": "AB1",
        },
        (302, 302, 403, 404, 302, 404, 302),
    ),
    (
        "registrant action confirm",
        "post",
        lambda w: reverse("admin:assemblies_registrant_changelist"),
        lambda w: {"action": "mark_confirmed", "_selected_action": [w["registrant"].pk]},
        (302, 302, 200, 302, 302, 403, 302),
    ),
    (
        "registrant note",
        "post",
        lambda w: reverse("admin:assemblies_registrant_note", args=[w["registrant"].pk]),
        lambda w: {"kind": "call_outcome", "text": "Will attend."},
        (302, 302, 403, 404, 302, 404, 302),
    ),
    (
        "run list",
        "get",
        lambda w: reverse("admin:assemblies_selectionrun_changelist"),
        None,
        (200, 200, 200, 200, 200, 403, 302),
    ),
    (
        "run page",
        "get",
        lambda w: reverse("admin:assemblies_selectionrun_change", args=[w["run"].pk]),
        None,
        (200, 200, 200, 404, 200, 404, 302),
    ),
    (
        "run progress",
        "get",
        lambda w: reverse("admin:assemblies_selectionrun_progress", args=[w["run"].pk]),
        None,
        (200, 200, 200, 404, 200, 404, 302),
    ),
    (
        "run cancel",
        "post",
        lambda w: reverse("admin:assemblies_selectionrun_cancel", args=[w["run"].pk]),
        lambda w: {},
        (302, 403, 403, 404, 302, 404, 302),
    ),
    (
        "run report download",
        "get",
        lambda w: reverse(
            "admin:assemblies_selectionrun_download", args=[w["run"].pk, "report.json"]
        ),
        None,
        (404, 404, 404, 404, 404, 404, 302),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_role_page_access(world, client, role, name, method, url, data, expected):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    target = url(world)
    if method == "get":
        response = client.get(target)
    else:
        response = client.post(target, data(world))
    wanted = expected[ROLES.index(role)]
    assert response.status_code == wanted, (name, role, response.status_code)


@pytest.mark.parametrize("role", ["manager", "caller", "viewer", "outsider"])
def test_registrant_action_effect_by_role(world, client, role):
    client.force_login(world["users"][role])
    client.post(
        reverse("admin:assemblies_registrant_changelist"),
        {"action": "mark_confirmed", "_selected_action": [world["registrant"].pk]},
    )
    world["registrant"].refresh_from_db()
    changed = world["registrant"].status == RegistrantStatus.CONFIRMED
    assert changed is (role in ("manager", "caller"))


def test_outsider_lists_show_none_of_the_assembly(world, client):
    client.force_login(world["users"]["outsider"])
    page = client.get(reverse("admin:assemblies_registrant_changelist")).content.decode()
    assert "Ann One" not in page
    page = client.get(reverse("admin:assemblies_assembly_changelist")).content.decode()
    assert "Small assembly" not in page and "Other assembly" in page

"""Every organiser page fits a 1280×800 window: no horizontal scroll, and the object tools
(the buttons at the top right) never cover the page title. Realistic data: a 300-person
assembly with 7 categories, a failed infeasible run and a finished run.

Screenshots of each page are written under ``var/screenshots/`` (ignored by git)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assemblies import engine
from assemblies.models import PendingImport, Role, RunKind, RunStatus
from assemblies.services.execution import selection_run_execute
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from assemblies.services.runs import selection_run_start
from tests.assemblies.conftest import first_fit
from tests.assemblies.factories import (
    AssemblyFactory,
    AssemblyMembershipFactory,
    InvitationFactory,
    PendingImportFactory,
    RegistrantNoteFactory,
    StaffFactory,
)
from tests.lottery.factories import BallotFactory, LotteryFactory

WIDTH, HEIGHT = 1280, 800
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

#: Seven categories with realistic (and some long) values.
CATEGORIES = {
    "gender": ["Woman", "Man", "Non-binary or another gender identity"],
    "age": ["16-24", "25-34", "35-49", "50-64", "65 and over"],
    "region": [
        "North East",
        "North West",
        "Yorkshire and the Humber",
        "East Midlands and East of England",
        "London",
        "South West",
    ],
    "education": [
        "No formal qualifications",
        "Secondary school",
        "Vocational or apprenticeship",
        "University degree or postgraduate professional qualification",
    ],
    "ethnicity": ["White", "Mixed or multiple", "Asian", "Black", "Other ethnic group"],
    "housing": ["Owner", "Private renter", "Social housing tenant"],
    "disability": ["Yes, limited a lot or a little", "No"],
}
PANEL = 30


def _quotas_csv(tight: bool) -> str:
    lines = ["category,feature,min,max"]
    for category, values in CATEGORIES.items():
        for value in values:
            low, high = 0, PANEL
            if tight and category == "gender" and value == "Non-binary or another gender identity":
                low, high = 12, 14  # more than the pool has: infeasible
            lines.append(f'{category},"{value}",{low},{high}')
    return "\n".join(lines) + "\n"


def _people_csv(count: int) -> str:
    rng = random.Random(7)
    header = ["id", "name", "email", "phone", "address", "postcode", *CATEGORIES, "comments"]
    lines = [",".join(header)]
    for n in range(count):
        answers = []
        for category, values in CATEGORIES.items():
            weights = [1] * len(values)
            if category == "gender":
                weights = [48, 48, 4]
            answers.append(rng.choices(values, weights)[0])
        row = [
            f"P{n:04d}",
            f"Maximiliana Wolfeschlegelsteinhausen-Bergerdorff {n}",
            f"maximiliana.wolfeschlegelsteinhausen.{n}@a-very-long-domain-name.example.org",
            "+44 20 7946 0000",
            f"Flat {n}, {n} Long Terrace Road, Little Snoring-under-the-Hill, Norfolk",
            "NR21 0AA",
            *answers,
            "Would like more information about travel, childcare and accessible venues " * 3,
        ]
        lines.append(",".join(f'"{cell}"' for cell in row))
    return "\n".join(lines) + "\n"


@pytest.fixture
def big_assembly(db, monkeypatch):
    """A 300-person assembly with 7 categories, a failed infeasible run (the real engine's
    feasibility check), then feasible quotas and a finished panel run (the first-fit fake
    draw). Returns (assembly, failed run, finished run)."""
    assembly = AssemblyFactory(
        slug="climate-assembly-of-the-north-west-2027",
        title="Citizens' Assembly on Climate, Transport and Housing in the North West 2027",
        panel_size=PANEL,
    )
    quotas_import(assembly_id=assembly.pk, text=_quotas_csv(True), filename="quotas.csv")
    registrants_import(
        assembly_id=assembly.pk, text=_people_csv(300), filename="people.csv", id_column="id"
    )
    failed = selection_run_start(assembly_id=assembly.pk, kind=RunKind.TEST, enqueue=False)
    failed = selection_run_execute(run_id=failed.pk)
    assert failed.status == RunStatus.FAILED
    quotas_import(assembly_id=assembly.pk, text=_quotas_csv(False), filename="quotas.csv")
    monkeypatch.setattr(engine, "draw", lambda snapshot, **kw: first_fit(snapshot))
    done = selection_run_start(assembly_id=assembly.pk, kind=RunKind.PANEL, enqueue=False)
    done = selection_run_execute(run_id=done.pk)
    assert done.status == RunStatus.SUCCEEDED
    return assembly, failed, done


def _measure(page):
    """The page's scroll width, the text boxes of its title (h1 and subtitle), the object
    tools' box, and the elements sticking out of the content column (at most 8)."""
    return page.evaluate(
        """() => {
        const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
        const text = (el) => { const range = document.createRange();
            range.selectNodeContents(el); return box(range.getBoundingClientRect()); };
        const titles = [...document.querySelectorAll('#content > h1, #content > h2')].map(text);
        const tools = document.querySelector('.object-tools');
        const content = document.querySelector('#content').getBoundingClientRect();
        const wide = [];
        const name = (el) => el.tagName + '.' + el.className + '#' + el.id;
        for (const el of document.querySelectorAll('#content *')) {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.right > content.right + 1) {
                wide.push(name(el) + ' ' + Math.round(r.right));
            }
            const overflow = getComputedStyle(el).overflowX;
            const scrolls = overflow === 'auto' || overflow === 'scroll';
            if (scrolls && el.scrollWidth > el.clientWidth + 1) {
                wide.push('clipped ' + name(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
            }
        }
        const hasTools = tools && tools.children.length;
        return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                titles: titles, tools: hasTools ? box(tools.getBoundingClientRect()) : null,
                wide: wide.slice(0, 8)};
    }"""
    )


def _overlap(a, b):
    if a is None or b is None:
        return False
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def _pages(assembly, failed, done, user):
    """(name, url, whole page checked for width) of every organiser page."""
    registrant = assembly.registrants.order_by("id").first()
    for _ in range(6):
        RegistrantNoteFactory(registrant=registrant, author=user, text="Called twice " * 30)
    quotas_upload = PendingImportFactory(assembly=assembly, uploaded_by=user, text=_quotas_csv(0))
    people_upload = PendingImportFactory(
        assembly=assembly,
        uploaded_by=user,
        kind=PendingImport.Kind.REGISTRANTS,
        filename="people.csv",
        text=_people_csv(40),
    )
    invitation = InvitationFactory(assembly=assembly, email="a.long.name@example.org")
    lottery = LotteryFactory()
    BallotFactory(lottery=lottery)
    a = assembly.pk
    return [
        ("assemblies", reverse("admin:assemblies_assembly_changelist"), True),
        # The quota inline belongs to h/targets: only the header is checked on this page.
        ("assembly", reverse("admin:assemblies_assembly_change", args=[a]), False),
        ("registrants", reverse("admin:assemblies_registrant_changelist") + f"?assembly={a}", True),
        ("registrant", reverse("admin:assemblies_registrant_change", args=[registrant.pk]), True),
        ("runs", reverse("admin:assemblies_selectionrun_changelist"), True),
        ("run-failed", reverse("admin:assemblies_selectionrun_change", args=[failed.pk]), True),
        ("run-done", reverse("admin:assemblies_selectionrun_change", args=[done.pk]), True),
        ("feasibility", reverse("admin:assemblies_assembly_feasibility", args=[a]), True),
        (
            "relax",
            reverse("admin:assemblies_assembly_relax", args=[a])
            + "?"
            + urlencode({"relaxation": json.dumps(failed.result["infeasibility"]["relaxation"])}),
            True,
        ),
        (
            "import-quotas",
            reverse("admin:assemblies_assembly_import_preview", args=[a, quotas_upload.pk]),
            True,
        ),
        (
            "import-people",
            reverse("admin:assemblies_assembly_import_preview", args=[a, people_upload.pk]),
            True,
        ),
        ("invitations", reverse("admin:assemblies_invitation_changelist"), True),
        ("invitation", reverse("admin:assemblies_invitation_change", args=[invitation.pk]), True),
        ("invite", reverse("admin:assemblies_invitation_add") + f"?assembly={a}", True),
        ("lotteries", reverse("admin:lottery_lottery_changelist"), True),
        ("lottery", reverse("admin:lottery_lottery_change", args=[lottery.pk]), True),
        ("ballots", reverse("admin:lottery_ballot_changelist"), True),
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_organiser_pages_fit_1280_pixels(browser_page, live_server, big_assembly):
    assembly, failed, done = big_assembly
    user = StaffFactory(is_superuser=True)
    AssemblyMembershipFactory(assembly=assembly, user=user, role=Role.MANAGER)
    client = Client()
    client.force_login(user)
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, url, whole in _pages(assembly, failed, done, user):
        response = page.goto(live_server.url + url)
        assert response is not None and response.status == 200, (name, url)
        page.screenshot(path=str(SCREENSHOTS / f"layout-{name}.png"), full_page=True)
        m = _measure(page)
        if whole and (m["scroll"] > m["inner"] or m["wide"]):
            problems.append(f"{name}: {m['scroll']} px wide > {m['inner']} ({m['wide']})")
        if any(_overlap(title, m["tools"]) for title in m["titles"]):
            problems.append(f"{name}: the object tools cover the title")
    assert problems == []
    assert page.csp_violations == []

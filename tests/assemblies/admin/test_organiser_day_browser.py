"""An organiser's working day in the admin, in a real browser at 1280×800.

A manager builds the categories of an assembly from an early registrants file (raw ages
banded at once), imports the full file (answers that are not values yet, raw ages), widens
the age bands in the category inline (values and answers follow), draws a panel, voids it
with a reason, draws again, notes a call outcome on a panel member, exports the run report
as PDF and Excel, duplicates the assembly, archives it and erases its registrants' personal
data. Every page visited must fit the window (no horizontal scroll);
outcomes are checked in the database too.

A screenshot of each step is written to ``var/screenshots/organiser_day/NN_step.png`` with
the page widths in ``widths.tsv`` (ignored by git). The registrants file is made up here."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assemblies.models import (
    Assembly,
    Category,
    Quota,
    Registrant,
    RegistrantNote,
    RegistrantStatus,
    Role,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.services.execution import selection_run_execute
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory, StaffFactory

WIDTH, HEIGHT = 1280, 800
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "organiser_day"
PANEL = 12
AGE_BANDS = "18-29, 30-44, 45-64, 65+"
GENDERS = ["Woman", "Man"]
REGIONS = ["North", "South", "East", "West"]
#: Answers of the later rows that the quotas built from the early rows do not know.
NEW_GENDER, NEW_REGION = "Prefer not to say", "Islands"


def _people_csv(count: int, *, unknown_from: int | None = None) -> str:
    """``count`` made-up people with raw ages 18–85; from row ``unknown_from`` on, every
    seventh person answers a gender or region the early rows never gave."""
    rng = random.Random(16)
    lines = ["id,name,email,phone,gender,age,region"]
    for n in range(count):
        gender, region = rng.choice(GENDERS), rng.choice(REGIONS)
        if unknown_from is not None and n >= unknown_from and n % 7 == 0:
            gender, region = (NEW_GENDER, region) if n % 2 else (gender, NEW_REGION)
        lines.append(
            f"R{n:03d},Person {n},person{n}@example.org,+44 20 7946 {n:04d},"
            f"{gender},{rng.randint(18, 85)},{region}"
        )
    return "\n".join(lines) + "\n"


class Day:
    """The browser page of the walk, with its screenshots and page widths."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base = base_url
        self.widths: list[tuple[str, str, int]] = []
        self.step = 0

    def go(self, url: str) -> None:
        response = self.page.goto(self.base + url)
        assert response is not None and response.status == 200, url

    def shot(self, name: str) -> None:
        """Screenshot the page as step ``name`` and record its width."""
        self.page.wait_for_load_state("load")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        path = self.page.url.removeprefix(self.base)
        self.widths.append((f"{self.step:02d}_{name}", path, width))
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.step:02d}_{name}.png"), full_page=True)
        self.step += 1

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()

    def messages(self) -> str:
        return " | ".join(self.page.locator("ul.messagelist li").all_inner_texts())


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _finish_run(day: Day, assembly: Assembly) -> SelectionRun:
    """The run the selection page just started, executed here if the queue has not (the
    page is reloaded to show the outcome)."""
    run = SelectionRun.objects.filter(assembly=assembly).order_by("-pk").first()
    assert run is not None
    if run.status in (RunStatus.PENDING, RunStatus.RUNNING):
        run = selection_run_execute(run_id=run.pk)
        day.page.reload()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_organiser_day_fits_1280_pixels(browser_page, live_server, tmp_path):
    assembly = AssemblyFactory(
        slug="town-assembly-2027", title="Town Assembly on Transport 2027", panel_size=PANEL
    )
    manager = StaffFactory()
    AssemblyMembershipFactory(assembly=assembly, user=manager, role=Role.MANAGER)
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    _login(page, live_server, manager)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # a shorter earlier walk's steps
        old.unlink()
    day = Day(page, live_server.url)
    change = reverse("admin:assemblies_assembly_change", args=[assembly.pk])

    # 1. The empty assembly; build its categories from an early file with raw ages.
    day.go(change)
    day.shot("assembly_empty")
    early = tmp_path / "early-registrants.csv"
    early.write_text(_people_csv(80))
    day.click("a:has-text('Build categories from a file')")
    day.shot("categories_upload")
    page.set_input_files("input[type=file]", str(early))
    day.click("input[type=submit]")
    day.shot("categories_choose")
    age_row = page.locator("#categories-columns tr", has_text="different numbers from")
    age_row.locator("input[type=checkbox]").check()
    age_row.locator("input[type=text]").fill(AGE_BANDS)
    page.check("input[name=mode][value=proportional]")
    day.click("input[name=build]")
    assert "Built" in day.messages(), day.messages()
    day.shot("assembly_with_quotas")
    ages = Quota.objects.filter(assembly=assembly, category="age").order_by("position")
    assert [q.value for q in ages] == ["18-29", "30-44", "45-64", "65+"]
    assert Category.objects.get(assembly=assembly, name="age").bands == [
        "18-29",
        "30-44",
        "45-64",
        "65+",
    ]
    assert set(Category.objects.filter(assembly=assembly).values_list("name", flat=True)) == {
        "gender",
        "age",
        "region",
    }

    # 2. Import the full file: answers that are not values yet, raw ages.
    full = tmp_path / "registrants.csv"
    full.write_text(_people_csv(120, unknown_from=80))
    day.go(reverse("admin:assemblies_assembly_import", args=[assembly.pk, "registrants"]))
    day.shot("import_upload")
    assert "a number such as a raw age becomes the band holding it" in page.inner_text("#content")
    page.set_input_files("input[type=file]", str(full))
    page.fill("input[name=id_column]", "id")
    day.click("input[type=submit]")
    for _ in range(40):  # the check runs as a job; the page refreshes itself
        if page.locator("#unknown-values").count():
            break
        page.wait_for_timeout(250)
        page.reload()
    unknown = page.locator("#unknown-values").inner_text()
    assert NEW_GENDER in unknown and NEW_REGION in unknown
    day.shot("import_preview_unknown_values")
    day.click("input[name=add_values]")
    for _ in range(40):
        if Registrant.objects.filter(assembly=assembly).count() == 120:
            break
        page.wait_for_timeout(250)
    page.reload()
    day.shot("import_done")
    assert Registrant.objects.filter(assembly=assembly).count() == 120
    assert Registrant.objects.filter(assembly=assembly, external_id="R119").exists()
    assert Quota.objects.filter(assembly=assembly, category="gender", value=NEW_GENDER).exists()
    answers = Registrant.objects.filter(assembly=assembly).values_list("answers", flat=True)
    assert {a["age"] for a in answers} <= {"18-29", "30-44", "45-64", "65+"}

    # 2b. Wider bands typed in the category inline: the values and the answers follow.
    day.go(change)
    age_bands = page.locator("#categories-group input[name$='-bands'][value^='18-29']")
    age_bands.fill("18-44, 45-64, 65+")
    day.click("input[name=_continue]")
    assert "was changed successfully" in day.messages(), day.messages()
    day.shot("assembly_rebanded")
    ages = Quota.objects.filter(assembly=assembly, category="age").order_by("position")
    assert [q.value for q in ages] == ["18-44", "45-64", "65+"]
    answers = Registrant.objects.filter(assembly=assembly).values_list("answers", flat=True)
    assert {a["age"] for a in answers} <= {"18-44", "45-64", "65+"}

    # 3. Draw a panel.
    day.go(change)
    day.click("a:has-text('Run a selection')")
    day.shot("select")
    day.click("input[type=submit][value='Start the selection']")
    first = _finish_run(day, assembly)
    day.shot("run_first")
    # The facts wrap long hashes but not words ("pseudonymous" was cut mid-word).
    facts = page.locator(".assemblies-facts dd").first
    assert facts.evaluate("(el) => getComputedStyle(el).wordBreak") != "break-all"
    assert first.kind == RunKind.PANEL

    # 4. Void it with a reason.
    day.click("a:has-text('Void this panel')")
    day.shot("void_confirm")
    page.fill("#id_reason", "The region quotas were built from an old file.")
    day.click("input[type=submit][value='Void this panel']")
    day.shot("run_voided")
    assert page.locator("#run-status").inner_text() == "Succeeded (voided)"
    first.refresh_from_db()
    assert first.voided_at is not None
    assert first.void_reason == "The region quotas were built from an old file."
    assert not Registrant.objects.filter(
        assembly=assembly, status=RegistrantStatus.SELECTED
    ).exists()

    # 5. Draw again.
    day.go(reverse("admin:assemblies_assembly_select", args=[assembly.pk]))
    day.click("input[type=submit][value='Start the selection']")
    second = _finish_run(day, assembly)
    assert second.pk != first.pk and second.voided_at is None
    day.shot("run_second")
    day.go(reverse("admin:assemblies_selectionrun_changelist"))
    day.shot("runs")
    assert page.locator("#result_list", has_text="Succeeded (voided)").count() == 1

    # 6. A caller's note on a panel member; the timeline shows the draws.
    # Someone the voided panel had drawn (drawn again if the second panel has any of them).
    drawn_first = Registrant.objects.filter(assembly=assembly, public_id__in=first.result["panel"])
    member = drawn_first.filter(status=RegistrantStatus.SELECTED).first() or drawn_first.first()
    assert member is not None
    day.go(reverse("admin:assemblies_registrant_changelist") + f"?assembly={assembly.pk}")
    day.shot("registrants")
    day.go(reverse("admin:assemblies_registrant_change", args=[member.pk]))
    page.select_option("#id_note_kind", "call_outcome")
    page.fill("#id_note_text", "Reached on the second call; will confirm by Friday.")
    day.click("#note-form input[type=submit]")
    assert "Note added" in day.messages()
    day.shot("registrant_note")
    timeline = page.locator("#registrant-timeline").inner_text()
    assert "Reached on the second call" in timeline
    assert f"Drawn by selection run #{first.pk} (panel) (since voided)" in timeline
    assert "The region quotas were built from an old file." in timeline
    note = RegistrantNote.objects.get(registrant=member)
    assert note.kind == "call_outcome" and note.author == manager

    # 7. The run report as PDF and Excel.
    day.go(reverse("admin:assemblies_selectionrun_change", args=[second.pk]))
    pdf = page.request.get(
        day.base + reverse("admin:assemblies_selectionrun_download", args=[second.pk, "report.pdf"])
    )
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    xlsx = page.request.get(
        day.base
        + reverse("admin:assemblies_selectionrun_download", args=[second.pk, "report.xlsx"])
    )
    assert xlsx.status == 200
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.body()), read_only=True)
    assert {"Panel", "Pool"} <= set(workbook.sheetnames), workbook.sheetnames
    day.go(reverse("admin:assemblies_selectionrun_report", args=[second.pk]))
    day.shot("report_printable")

    # 8. Duplicate the assembly for next year.
    day.go(change)
    day.click("a:has-text('Duplicate')")
    day.shot("duplicate")
    page.fill("#id_title", "Town Assembly on Transport 2028")
    page.fill("#id_slug", "town-assembly-2028")
    day.click("input[type=submit][value='Duplicate']")
    day.shot("duplicate_done")
    # Eleven quotas: the position "10" shows whole in its box (it was cut to "1").
    clipped = page.evaluate(
        """() => [...document.querySelectorAll("#quotas-group input[name$='-position']")]
            .filter((el) => el.scrollWidth > el.clientWidth).map((el) => el.value)"""
    )
    assert clipped == []
    copy = Assembly.objects.get(slug="town-assembly-2028")
    assert (
        Quota.objects.filter(assembly=copy).count()
        == Quota.objects.filter(assembly=assembly).count()
    )
    assert not Registrant.objects.filter(assembly=copy).exists()
    assert (
        Category.objects.get(assembly=copy, name="age").bands
        == Category.objects.get(assembly=assembly, name="age").bands
    )

    # 9. Archive the assembly and erase its registrants' personal data.
    day.go(change)
    day.click(".assemblies-actions a:has-text('Archive')")
    day.shot("archive_confirm")
    day.click("input[type=submit]")
    day.click('a:has-text("Erase all registrants\' data")')
    day.shot("erase_confirm")
    day.click("input[type=submit]")
    assert "erased" in day.messages()
    day.shot("assembly_erased")
    # An archived assembly offers no action that would be refused, and its audit log
    # speaks in words (the code stays as the cell's title).
    actions = page.locator(".assemblies-actions").inner_text()
    assert "Run a selection" not in actions and "Import registrants" not in actions
    assert page.locator("td[title='assemblies.selection.voided']").count() == 0  # run's own
    assert page.locator("td[title='assemblies.assembly.registrants_erased']").inner_text() == (
        "Assembly registrants erased"
    )
    left = Registrant.objects.filter(assembly=assembly)
    assert left.count() == 120
    assert not left.exclude(email="").exists() and not left.exclude(name="").exists()
    assert set(left.values_list("status", flat=True)) == {RegistrantStatus.DELETED}

    lines = [f"{name}\t{width}\t{path}" for name, path, width in day.widths]
    (SCREENSHOTS / "widths.tsv").write_text("step\twidth\tpath\n" + "\n".join(lines) + "\n")
    too_wide = [
        line for line, (_, _, width) in zip(lines, day.widths, strict=True) if width > WIDTH
    ]
    assert too_wide == []
    assert page.csp_violations == []

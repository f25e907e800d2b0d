"""Recruitment and communication as an organiser runs it, in a real browser (issue 15).

A manager adds two form fields of their own, opens a registration page in test, sends a test
registration through it, promotes the page to open, writes a French confirmation email; a
member of the public registers in French, gets the reminder to confirm (in French, once
although the manager sends it twice) and confirms; a caller enters a phone registrant
without an email address; the manager draws a panel and notifies it (twice). The emails sent
are checked: one per person, the right kind for each status (selected, reserve, not
selected), in the language each person registered in, nobody twice, and nobody without an
address (they are listed to be called).

Each new form is also sent bad input once (a form field, a registration page, a translation,
an email template, a staff entry, the promotion without confirming the warnings): each says
what is wrong and stores nothing.

A screenshot of each step is written to ``var/screenshots/recruitment/NN_step.png`` (ignored
by git)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assemblies.mailtemplates import default_wording, render
from assemblies.models import (
    AssemblyStatus,
    ContentTranslation,
    EmailSend,
    EmailTemplate,
    FormField,
    PageStatus,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    RegistrationPage,
    Role,
    RunStatus,
    SelectionRun,
)
from assemblies.services.execution import selection_run_execute
from tests.assemblies.factories import AssemblyMembershipFactory

WIDTH, HEIGHT = 1280, 900
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "recruitment"
FRENCH_TITLE = "Petite assemblée citoyenne"
#: Subjects of the built-in notification emails, by kind.
NOTIFY_KINDS = ("selected", "reserve", "not_selected")


class Walk:
    """A browser page of the walk, with numbered screenshots (one count for every page)."""

    shots = 0

    def __init__(self, page, base_url: str, prefix: str = "") -> None:
        self.page = page
        self.base = base_url
        self.prefix = prefix

    def go(self, url: str, status: int = 200) -> None:
        response = self.page.goto(self.base + url)
        assert response is not None and response.status == status, url

    def shot(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        Walk.shots += 1
        path = SCREENSHOTS / f"{Walk.shots:02d}_{self.prefix}{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()

    def messages(self) -> str:
        return " | ".join(self.page.locator("ul.messagelist li").all_inner_texts())


def _login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _add_inline_row(page, group: str) -> int:
    """Click the inline group's "Add another …" link; returns the new row's index."""
    total = page.locator(f"#id_{group}-TOTAL_FORMS")
    index = int(total.input_value())
    page.locator(f"#{group}-group .add-row a").click()
    page.locator(f"[name='{group}-{index}-id']").wait_for(state="attached")
    return index


def _save_assembly(walk: Walk) -> None:
    walk.click("input[name=_continue]")


def _expected_subject(kind: str, language: str, title: str) -> str:
    with translation.override(language):
        return render(default_wording(kind).subject, {"assembly": title})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_recruitment_walk(browser_page, live_server, settings, small_assembly, mailoutbox):
    settings.REGISTRATION_MIN_FILL_SECONDS = 1
    settings.REGISTRATION_QUESTIONS_CACHE_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assembly = small_assembly  # a draft: quotas gender x age, 12 imported people in the pool
    manager = AssemblyMembershipFactory(assembly=assembly, role=Role.MANAGER).user
    caller = AssemblyMembershipFactory(assembly=assembly, role=Role.CALLER).user
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    Walk.shots = 0
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    _login(page.context, live_server, manager)
    admin = Walk(page, live_server.url, "admin_")
    change = reverse("admin:assemblies_assembly_change", args=[assembly.pk])

    # 1. Two form fields of the organiser's own; email optional (phone registrations).
    admin.go(change)
    admin.shot("assembly")
    row = _add_inline_row(page, "form_fields")
    page.fill(f"[name=form_fields-{row}-key]", "availability")
    page.fill(f"[name=form_fields-{row}-label]", "When can you attend?")
    page.select_option(f"[name=form_fields-{row}-type]", "single_choice")
    page.fill(f"[name=form_fields-{row}-choices]", "Weekdays\nWeekends")
    page.select_option(f"[name=form_fields-{row}-requirement]", "required")
    bad = _add_inline_row(page, "form_fields")
    page.fill(f"[name=form_fields-{bad}-key]", "email")  # a built-in column
    page.fill(f"[name=form_fields-{bad}-label]", "Your email again")
    _save_assembly(admin)
    admin.shot("form_field_bad_key")
    errors = page.locator(".errorlist").all_inner_texts()
    assert any("email" in text for text in errors), errors
    assert not FormField.objects.filter(assembly=assembly).exists()
    page.fill(f"[name=form_fields-{bad}-key]", "needs")
    page.fill(f"[name=form_fields-{bad}-label]", "Any access needs?")
    page.select_option(f"[name=form_fields-{bad}-type]", "long_text")
    page.select_option("#id_email_requirement", "optional")
    _save_assembly(admin)
    assert "was changed successfully" in admin.messages(), admin.messages()
    admin.shot("form_fields_added")
    assert list(FormField.objects.filter(assembly=assembly).values_list("key", flat=True)) == [
        "availability",
        "needs",
    ]

    # 2. Translations: a key naming nothing is refused; the French texts are saved.
    texts = {
        "title": FRENCH_TITLE,
        "field:availability:label": "Quand pouvez-vous venir ?",
        "choice:availability:Weekends": "Le week-end",
        "field:nothing": "x",
    }
    rows = {key: _add_inline_row(page, "translations") for key in texts}
    for key, text in texts.items():
        page.select_option(f"[name=translations-{rows[key]}-language]", "fr")
        page.fill(f"[name=translations-{rows[key]}-key]", key)
        page.fill(f"[name=translations-{rows[key]}-text]", text)
    _save_assembly(admin)
    admin.shot("translation_bad_key")
    errors = page.locator("#translations-group .errorlist").all_inner_texts()
    assert any("“field:nothing” needs two parts" in text for text in errors), errors
    assert "was changed successfully" not in admin.messages()
    assert not ContentTranslation.objects.filter(assembly=assembly).exists()
    page.locator(f"#translations-{rows['field:nothing']} a.inline-deletelink").click()
    _save_assembly(admin)
    assert "was changed successfully" in admin.messages(), admin.messages()
    assert ContentTranslation.objects.filter(assembly=assembly).count() == 3

    # 3. A registration page in test; a page without a label is refused.
    row = _add_inline_row(page, "registration_pages")
    page.select_option(f"[name=registration_pages-{row}-language]", "fr")
    _save_assembly(admin)
    admin.shot("page_without_label")
    assert "This field is required" in page.locator("#registration_pages-group").inner_text()
    assert not RegistrationPage.objects.filter(assembly=assembly).exists()
    page.fill(f"[name=registration_pages-{row}-label]", "Letters, March mail-out")
    page.select_option(f"[name=registration_pages-{row}-language]", "")
    _save_assembly(admin)
    registration_page = RegistrationPage.objects.get(assembly=assembly)
    assert registration_page.status == PageStatus.TEST
    admin.shot("page_in_test")
    short = f"/r/{registration_page.code}"
    assert short in page.locator("#registration_pages-group").inner_text()

    # 4. A test registration through the page, by a visitor (another browser context).
    visitor_context = page.context.browser.new_context(
        viewport={"width": 1024, "height": 900}, locale="en-GB"
    )
    visitor = visitor_context.new_page()
    visitor.csp_violations = []
    visitor.on(
        "console",
        lambda message: (
            visitor.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    public = Walk(visitor, live_server.url, "public_")
    public.go("/r/zzzzzz", status=404)  # a mistyped code from a letter
    public.shot("unknown_code")
    assert "We cannot find this registration page" in visitor.content()
    public.go(short)
    public.shot("test_page_form")
    assert "Test page" in public.page.content()
    _fill_public_form(public.page, name="Tess Test", email="tess@example.org", weekends=False)
    public.click("form.registration button[type=submit]")
    public.shot("test_submission_thanks")
    assert public.page.get_by_role("heading", level=1).inner_text() == "Test submission received"
    tess = Registrant.objects.get(email="tess@example.org")
    assert tess.status == RegistrantStatus.TEST and tess.extra["availability"] == "Weekdays"
    assert [m.to for m in mailoutbox] == [["tess@example.org"]]
    test_link = re.search(r"http://\S+/confirm/\S+/", mailoutbox[0].body)[0]
    public.page.goto(test_link)  # the organiser tries the link of the test email
    public.shot("test_submission_confirm_link")
    assert public.page.locator("main form").count() == 0  # nothing to press
    assert public.page.get_by_role("heading", level=1).inner_text() == "Test submission"
    tess.refresh_from_db()
    assert tess.status == RegistrantStatus.TEST

    # 5. Promote the page to open: first without confirming the warnings (refused).
    admin.go(change)
    admin.click("#registration_pages-group a:has-text('Promote to open')")
    admin.shot("promote_confirm")
    admin.click("input[type=submit][value='Promote to open']")
    registration_page.refresh_from_db()
    if page.locator("#id_warnings_confirmed").count():
        assert registration_page.status == PageStatus.TEST
        assert "Tick the box to confirm the warnings. Nothing was changed." in page.content()
        admin.shot("promote_refused_without_confirmation")
        page.check("#id_warnings_confirmed")
        admin.click("input[type=submit][value='Promote to open']")
    assert "is open" in admin.messages(), admin.messages()
    registration_page.refresh_from_db()
    assert registration_page.status == PageStatus.OPEN
    assert not Registrant.objects.filter(status=RegistrantStatus.TEST).exists()
    admin.go(reverse("admin:assemblies_assembly_lifecycle", args=[assembly.pk, "open"]))
    if page.locator("#id_warnings_confirmed").count():
        page.check("#id_warnings_confirmed")
    admin.click("input[type=submit][value='Open registration']")
    admin.shot("registration_open")
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.OPEN

    # 6. The French confirmation email: without {{ confirm_link }} it is refused.
    add_template = (
        reverse("admin:assemblies_emailtemplate_add")
        + f"?assembly={assembly.pk}&kind=confirmation&language=fr"
    )
    admin.go(add_template)
    page.select_option("#id_assembly", str(assembly.pk))
    page.fill("#id_subject", "Confirmez votre inscription : {{ assembly }}")
    page.fill("#id_text_body", "Bonjour {{ name }},\n\nMerci de confirmer.")
    admin.click("input[name=_save]")
    admin.shot("email_template_refused")
    assert "needs the placeholder {{ confirm_link }}" in page.content()
    assert not EmailTemplate.objects.exists()
    page.fill("#id_text_body", "Bonjour {{ name }},\n\nMerci de confirmer : {{ confirm_link }}")
    admin.click("input[name=_save]")
    assert "was added successfully" in admin.messages(), admin.messages()
    template = EmailTemplate.objects.get()
    assert (template.kind, template.language) == ("confirmation", "fr")
    admin.go(
        reverse("admin:assemblies_emailtemplate_preview", args=[assembly.pk, "confirmation"])
        + "?language=fr"
    )
    admin.shot("email_template_preview_fr")
    assert f"Confirmez votre inscription : {FRENCH_TITLE}" in page.content()

    # 7. A person registers in French through the open page, and confirms.
    public.go(short)
    public.page.select_option("#language-select", "fr")
    public.click("form.language button[type=submit]")
    public.shot("form_in_french")
    html = public.page.content()
    assert FRENCH_TITLE in html and "Quand pouvez-vous venir ?" in html and "Le week-end" in html
    _fill_public_form(public.page, name="Marie Curie", email="marie@example.org", weekends=True)
    public.click("form.registration button[type=submit]")
    public.shot("thanks_in_french")
    assert public.page.get_by_role("heading", level=1).inner_text() == "Consultez vos e-mails"
    marie = Registrant.objects.get(email="marie@example.org")
    assert (marie.language, marie.status, marie.page) == ("fr", "pending", registration_page)
    assert marie.extra == {"availability": "Weekends", "needs": "Step-free access"}
    confirmation = mailoutbox[-1]
    assert confirmation.to == ["marie@example.org"]
    assert confirmation.subject == f"Confirmez votre inscription : {FRENCH_TITLE}"

    # 7b. She does not confirm at once: the manager sends the reminder to pending people
    # (twice: the second sends nothing the same day); it reaches her in French.
    pending = reverse("admin:assemblies_registrant_changelist") + (
        f"?assembly={assembly.pk}&status__exact=pending"
    )
    for _ in range(2):
        admin.go(pending)
        page.check("#action-toggle")
        page.select_option("select[name=action]", "send_reminder")
        admin.click("button[name=index]")
    admin.shot("reminders_sent_twice")
    assert "0 reminder(s) sent; 1 already reminded today" in admin.messages(), admin.messages()
    reminder = mailoutbox[-1]
    assert reminder.to == ["marie@example.org"] and len(mailoutbox) == 3
    assert reminder.subject == f"Rappel : confirmez votre inscription à {FRENCH_TITLE}"
    link = re.search(r"http://\S+/confirm/\S+/", reminder.body)[0]
    public.page.goto(link)
    public.shot("confirm_in_french")
    public.click("main form button[type=submit]")
    marie.refresh_from_db()
    assert marie.status == RegistrantStatus.POOL

    # 8. A caller enters a phone registrant without an email address.
    _login(page.context, live_server, caller)
    add_registrant = reverse("admin:assemblies_assembly_add_registrant", args=[assembly.pk])
    admin.go(add_registrant)
    admin.shot("add_registrant_form")
    page.fill("#id_name", "Phil Phone")
    page.check("#id_consent")
    admin.click("#add-registrant-form input[type=submit]")
    assert page.locator(".errornote").is_visible()
    admin.shot("add_registrant_refused")
    assert not Registrant.objects.filter(name="Phil Phone").exists()
    page.check("input[name=category_0][value=man]")
    page.check("input[name=category_1][value=old]")
    page.check("input[name=custom_availability][value=Weekdays]")
    page.fill("#id_phone", "01632 960 123")
    page.check("#id_consent")
    admin.click("#add-registrant-form input[type=submit]")
    assert "entered and in the pool" in admin.messages(), admin.messages()
    admin.shot("add_registrant_done")
    phil = Registrant.objects.get(name="Phil Phone")
    assert (phil.status, phil.source, phil.email) == ("pool", RegistrantSource.PHONE, "")
    assert phil.staff_confirmed_by == caller

    # 9. The manager makes one person a reserve and draws the panel.
    _login(page.context, live_server, manager)
    reserve = Registrant.objects.get(external_id="P01")
    admin.go(reverse("admin:assemblies_registrant_change", args=[reserve.pk]))
    page.select_option("#id_status", "reserve")
    admin.click("input[name=_save]")
    reserve.refresh_from_db()
    assert reserve.status == RegistrantStatus.RESERVE
    before_draw = len(mailoutbox)
    admin.go(reverse("admin:assemblies_assembly_select", args=[assembly.pk]))
    admin.shot("select")
    admin.click("input[type=submit][value='Start the selection']")
    run = SelectionRun.objects.filter(assembly=assembly).order_by("-pk").first()
    if run.status in (RunStatus.PENDING, RunStatus.RUNNING):
        run = selection_run_execute(run_id=run.pk)
        page.reload()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    admin.shot("run")

    # 10. Notify the panel, then again: nobody gets an email twice.
    admin.click("a:has-text('Notify the panel')")
    admin.shot("notify_confirm")
    call_list = page.locator("#notify-call-list").inner_text()
    assert "Phil Phone" in call_list and "01632" in call_list
    admin.click("#notify input[type=submit]")
    admin.shot("notified")
    assert "13 emails created, 13 handed to the mail queue; 1 person has no email" in (
        admin.messages()
    )
    notified = mailoutbox[before_draw:]
    admin.go(reverse("admin:assemblies_selectionrun_notify", args=[run.pk]))
    admin.click("#notify input[type=submit]")
    admin.shot("notified_again")
    assert "0 emails created" in admin.messages(), admin.messages()
    assert len(mailoutbox) == before_draw + len(notified)

    people = Registrant.objects.filter(assembly=assembly).exclude(status=RegistrantStatus.TEST)
    by_email = {r.email: r for r in people if r.email}
    recipients = [m.to[0] for m in notified]
    assert sorted(recipients) == sorted(by_email), "one email per person with an address"
    assert phil.email == "" and EmailSend.objects.filter(registrant=phil).count() == 0
    kinds = {"selected": "selected", "reserve": "reserve", "pool": "not_selected"}
    seen = set()
    for message in notified:
        person = by_email[message.to[0]]
        kind = kinds[person.status]
        seen.add(kind)
        language = person.language or settings.LANGUAGE_CODE
        title = FRENCH_TITLE if language == "fr" else assembly.title
        assert message.subject == _expected_subject(kind, language, title), person.email
    assert seen == set(NOTIFY_KINDS)
    marie_mail = next(m for m in notified if m.to == ["marie@example.org"])
    assert FRENCH_TITLE in marie_mail.subject
    assert marie_mail.body.startswith("Bonjour Marie Curie,")
    assert all(m.body.startswith("Hello ") for m in notified if m is not marie_mail)
    assert page.csp_violations == [] and visitor.csp_violations == []
    visitor_context.close()


def _fill_public_form(page, *, name: str, email: str, weekends: bool) -> None:
    """Fill the public form (gender, age, the two form fields, contact, consent) and wait
    the minimum fill time."""
    page.locator("input[name=category_0]").first.check()
    page.locator("input[name=category_1]").first.check()
    choice = "Weekends" if weekends else "Weekdays"
    page.check(f"input[name=custom_availability][value={choice}]")
    page.fill("textarea[name=custom_needs]", "Step-free access")
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.fill("#id_phone", "01632 960 001")
    page.check("#id_consent")
    page.wait_for_timeout(1100)

"""Emails to registrants: templates saved only with known placeholders, every send recorded
(status, attempts, no address), reply-to per assembly, and the panel told once."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import translation

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import (
    AssemblyStatus,
    EmailSend,
    EmailSendStatus,
    EmailTemplate,
    Registrant,
    RegistrantStatus,
    Role,
    RunKind,
    RunStatus,
)
from assemblies.selectors.timeline import registrant_timeline
from assemblies.services.assemblies import assembly_save
from assemblies.services.confirmation import confirmation_email_send
from assemblies.services.emails import (
    email_preview,
    email_send_deliver,
    email_template_save,
)
from assemblies.services.execution import selection_run_execute
from assemblies.services.lifecycle import assembly_registrants_erase
from assemblies.services.notifications import panel_notify
from assemblies.services.registrants import registrant_erase
from assemblies.services.runs import selection_run_start
from assemblies.services.voiding import selection_run_void
from assemblies.tasks import send_email
from opendlp.celery import app as celery_app
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import (
    AssemblyMembershipFactory,
    ContentTranslationFactory,
    EmailSendFactory,
    EmailTemplateFactory,
    RegistrantFactory,
)

pytestmark = pytest.mark.django_db

BASE = "https://dlp.test"


class FailingBackend(BaseEmailBackend):
    """An email backend whose mail server refuses every message (the outside edge)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"someone@example.org": (550, b"no such user")})


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "tests.assemblies.services.test_emails.FailingBackend"


@pytest.fixture
def panel_run(small_assembly):
    """The small assembly, closed, with a drawn panel of 4 (8 left in the pool)."""
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _notify(run, actor=None, callbacks=None):
    with callbacks(execute=True):
        return panel_notify(run_id=run.pk, base_url=BASE, actor=actor)


# --- templates --------------------------------------------------------------------------


def test_email_template_save_unknown_placeholder_names_field_and_placeholder(small_assembly):
    with pytest.raises(InvalidInput) as error:
        email_template_save(
            assembly_id=small_assembly.pk,
            kind="selected",
            subject="Hi",
            text_body="Line one\nDear {{ first_name }}",
        )
    assert "text_body" in str(error.value) and "{{ first_name }}" in str(error.value)
    assert "line 2" in str(error.value)
    assert not EmailTemplate.objects.exists()


def test_email_template_save_malformed_placeholder_refused(small_assembly):
    with pytest.raises(InvalidInput, match="subject: .*malformed placeholder"):
        email_template_save(
            assembly_id=small_assembly.pk,
            kind="selected",
            subject="{{ name|upper }}",
            text_body="Hello",
        )
    assert not EmailTemplate.objects.exists()


def test_email_template_save_confirmation_needs_confirm_link(small_assembly):
    with pytest.raises(InvalidInput, match=r"text_body: .*needs the placeholder \{\{ confirm_link"):
        email_template_save(
            assembly_id=small_assembly.pk,
            kind="confirmation",
            subject="Confirm",
            text_body="Welcome {{ name }}",
        )
    assert not EmailTemplate.objects.exists()


def test_confirmation_email_uses_organisers_template(small_assembly, mailoutbox):
    email_template_save(
        assembly_id=small_assembly.pk,
        kind="confirmation",
        subject="Please confirm, {{ name }}",
        text_body="Click {{ confirm_link }}",
    )
    registrant = RegistrantFactory(assembly=small_assembly, name="Zoe")
    assert confirmation_email_send(registrant_id=registrant.pk, base_url=BASE)
    (message,) = mailoutbox
    assert message.subject == "Please confirm, Zoe"
    assert message.body.startswith(f"Click {BASE}/a/small/confirm/")
    send = EmailSend.objects.get(registrant=registrant)
    assert send.kind == "confirmation" and send.template_version == 1


def test_email_template_save_versions_and_audits(small_assembly, manager):
    args = {"assembly_id": small_assembly.pk, "kind": "selected", "subject": "S {{ assembly }}"}
    first = email_template_save(**args, text_body="One {{ name }}", actor=manager)
    same = email_template_save(**args, text_body="One {{ name }}", actor=manager)
    second = email_template_save(**args, text_body="Two {{ name }}", actor=manager)
    assert (first.version, same.version, second.version) == (1, 1, 2)
    assert EmailTemplate.objects.count() == 1
    events = AuditEvent.objects.filter(action="assemblies.email_template.saved")
    assert [e.data["version"] for e in events.order_by("id")] == [1, 2]


def test_email_template_save_refused_for_caller(small_assembly, caller):
    with pytest.raises(Forbidden):
        email_template_save(
            assembly_id=small_assembly.pk,
            kind="selected",
            subject="S",
            text_body="B",
            actor=caller,
        )


def test_email_preview_uses_sample_registrant_and_escapes_html(small_assembly):
    small_assembly.title = "<b>Bold</b> assembly"
    small_assembly.save()
    EmailTemplateFactory(
        assembly=small_assembly, html_body="<p>{{ assembly }}</p>", text_body="{{ name }}"
    )
    email = email_preview(assembly=small_assembly, kind="selected")
    assert email.text_body == "Alex Example"
    assert email.html_body == "<p>&lt;b&gt;Bold&lt;/b&gt; assembly</p>"
    assert email.subject == "Selected for <b>Bold</b> assembly"


def test_assembly_reply_to_must_be_an_address(small_assembly):
    small_assembly.reply_to = "team at example"
    with pytest.raises(InvalidInput, match="reply_to"):
        assembly_save(assembly=small_assembly)
    small_assembly.refresh_from_db()
    assert small_assembly.reply_to == ""


# --- sends ------------------------------------------------------------------------------


def test_email_send_deliver_sets_reply_to_and_records_sent(small_assembly, mailoutbox):
    small_assembly.reply_to = "team@assembly.example"
    small_assembly.save()
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    send = EmailSendFactory(registrant=registrant)
    send = email_send_deliver(send_id=send.pk)
    assert send.status == EmailSendStatus.SENT and send.attempts == 1 and send.sent_at
    assert len(send.template_digest) == 64 and send.template_version == 0
    (message,) = mailoutbox
    assert message.reply_to == ["team@assembly.example"]
    assert message.to == ["ann@example.org"]
    assert "Reply-To: team@assembly.example" in message.message().as_string()
    # Delivering again sends nothing more.
    assert email_send_deliver(send_id=send.pk).attempts == 1
    assert len(mailoutbox) == 1


def test_email_send_deliver_escapes_name_in_html_body(small_assembly, mailoutbox):
    EmailTemplateFactory(assembly=small_assembly, html_body="<p>Dear {{ name }}</p>")
    registrant = RegistrantFactory(assembly=small_assembly, name="<script>alert(1)</script>")
    email_send_deliver(send_id=EmailSendFactory(registrant=registrant).pk)
    (message,) = mailoutbox
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert html == "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert "<script>alert(1)</script>" in message.body  # plain text stays as typed


def test_email_send_deliver_failure_recorded_without_address(small_assembly, failing_mail):
    registrant = RegistrantFactory(assembly=small_assembly, email="someone@example.org")
    send = EmailSendFactory(registrant=registrant)
    for _ in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            email_send_deliver(send_id=send.pk)
    send.refresh_from_db()
    assert send.status == EmailSendStatus.FAILED and send.attempts == 2
    assert send.error == "SMTPRecipientsRefused"
    assert send.sent_at is None


def test_send_email_task_retries_then_stays_failed(small_assembly, failing_mail):
    """Eager mode runs the retries at once (no backoff wait): every try is recorded."""
    send = EmailSendFactory(registrant=RegistrantFactory(assembly=small_assembly))
    celery_app.conf.task_eager_propagates = False  # restored by the autouse fixture
    result = send_email.apply(kwargs={"send_id": send.pk})
    assert result.state == "FAILURE"
    send.refresh_from_db()
    assert send.status == EmailSendStatus.FAILED
    assert send.attempts == send_email.max_retries + 1


def test_email_send_deliver_skips_erased_registrant(small_assembly, mailoutbox):
    registrant = RegistrantFactory(assembly=small_assembly)
    send = EmailSendFactory(registrant=registrant)
    registrant_erase(registrant_id=registrant.pk)
    send = email_send_deliver(send_id=send.pk)
    assert send.status == EmailSendStatus.SKIPPED and mailoutbox == []


def _stored_text(send: EmailSend) -> str:
    return " ".join(str(getattr(send, f.attname)) for f in EmailSend._meta.concrete_fields)


def test_erasure_leaves_no_address_in_sends(small_assembly, mailoutbox):
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P02")
    send = email_send_deliver(send_id=EmailSendFactory(registrant=registrant).pk)
    registrant_erase(registrant_id=registrant.pk)
    send.refresh_from_db()
    assert "bea@example.org" not in _stored_text(send)
    assert "Bea" not in _stored_text(send)
    assert send.registrant_public_id == registrant.public_id


def test_assembly_erasure_leaves_no_address_in_sends(small_assembly, mailoutbox):
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P03")
    email_send_deliver(send_id=EmailSendFactory(registrant=registrant).pk)
    small_assembly.status = AssemblyStatus.ARCHIVED
    small_assembly.save()
    assembly_registrants_erase(assembly_id=small_assembly.pk)
    assert all("cat@example.org" not in _stored_text(s) for s in EmailSend.objects.all())


def test_timeline_shows_email_sends(small_assembly, failing_mail):
    registrant = RegistrantFactory(assembly=small_assembly)
    send = EmailSendFactory(registrant=registrant)
    with pytest.raises(smtplib.SMTPException):
        email_send_deliver(send_id=send.pk)
    entries = [e for e in registrant_timeline(registrant=registrant) if e.kind == "email"]
    assert [e.title for e in entries] == [
        "Email: Selected for the panel (failed, 1 attempt: SMTPRecipientsRefused)"
    ]


# --- telling the panel ------------------------------------------------------------------


def test_panel_notify_creates_one_send_per_person_and_kind(
    panel_run, manager, mailoutbox, django_capture_on_commit_callbacks
):
    reserve = Registrant.objects.filter(
        assembly=panel_run.assembly, status=RegistrantStatus.POOL
    ).first()
    reserve.status = RegistrantStatus.RESERVE
    reserve.save()
    outcome = _notify(panel_run, manager, django_capture_on_commit_callbacks)
    assert outcome.created == 12 and outcome.enqueued == 12 and outcome.without_email == []
    kinds = sorted(EmailSend.objects.values_list("kind", flat=True))
    assert kinds == ["not_selected"] * 7 + ["reserve"] + ["selected"] * 4
    assert set(EmailSend.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mailoutbox) == 12
    event = AuditEvent.objects.get(action="assemblies.panel.notified")
    assert event.data == {
        "assembly_id": panel_run.assembly_id,
        "run_id": panel_run.pk,
        "created": 12,
        "enqueued": 12,
        "to_call": 0,
    }


def test_panel_notify_twice_sends_nobody_twice(
    panel_run, manager, mailoutbox, django_capture_on_commit_callbacks
):
    _notify(panel_run, manager, django_capture_on_commit_callbacks)
    again = _notify(panel_run, manager, django_capture_on_commit_callbacks)
    assert again.created == 0 and again.enqueued == 0
    assert EmailSend.objects.count() == 12 and len(mailoutbox) == 12


def test_panel_notify_resumes_queued_and_failed_only(
    panel_run, manager, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # A crash after the rows were written: nothing was delivered (callbacks not run).
    with django_capture_on_commit_callbacks(execute=False):
        panel_notify(run_id=panel_run.pk, base_url=BASE, actor=manager)
    assert set(EmailSend.objects.values_list("status", flat=True)) == {"queued"}
    first = EmailSend.objects.order_by("id").first()
    email_send_deliver(send_id=first.pk)
    outcome = _notify(panel_run, manager, django_capture_on_commit_callbacks)
    assert outcome.created == 0 and outcome.enqueued == 11
    assert len(mailoutbox) == 12
    assert EmailSend.objects.filter(status="sent").count() == 12


def test_panel_notify_lists_people_without_email(
    panel_run, django_capture_on_commit_callbacks, mailoutbox
):
    silent = Registrant.objects.filter(selected_by=panel_run).first()
    Registrant.objects.filter(pk=silent.pk).update(email="")
    outcome = _notify(panel_run, None, django_capture_on_commit_callbacks)
    assert [r.pk for r in outcome.without_email] == [silent.pk]
    assert not EmailSend.objects.filter(registrant=silent).exists()
    assert outcome.created == 11


def test_panel_notify_refused_for_caller_and_viewer(panel_run, caller, viewer):
    for actor in (caller, viewer):
        with pytest.raises(Forbidden):
            panel_notify(run_id=panel_run.pk, base_url=BASE, actor=actor)
    assert not EmailSend.objects.exists()


def test_panel_notify_refused_for_voided_panel(panel_run, manager):
    selection_run_void(run_id=panel_run.pk, reason="Wrong quotas.", actor=manager)
    with pytest.raises(ServiceError, match="voided"):
        panel_notify(run_id=panel_run.pk, base_url=BASE, actor=manager)


def test_panel_notify_refused_for_test_run(small_assembly):
    run = selection_run_start(
        assembly_id=small_assembly.pk, enqueue=False, seed="t", kind=RunKind.TEST
    )
    run = selection_run_execute(run_id=run.pk)
    with pytest.raises(ServiceError):
        panel_notify(run_id=run.pk, base_url=BASE)


def test_panel_notify_manager_of_other_assembly_refused(panel_run, outsider):
    AssemblyMembershipFactory(user=outsider, role=Role.MANAGER)
    with pytest.raises(Forbidden):
        panel_notify(run_id=panel_run.pk, base_url=BASE, actor=outsider)


# --- languages ----------------------------------------------------------------------------


def test_email_template_save_same_kind_in_two_languages_kept_apart(small_assembly):
    email_template_save(
        assembly_id=small_assembly.pk, kind="selected", subject="Selected", text_body="Hello"
    )
    email_template_save(
        assembly_id=small_assembly.pk,
        kind="selected",
        subject="Tiré au sort",
        text_body="Bonjour",
        language="fr",
    )
    rows = dict(EmailTemplate.objects.values_list("language", "subject"))
    assert rows == {"": "Selected", "fr": "Tiré au sort"}


def test_email_template_save_unknown_language_refused(small_assembly):
    with pytest.raises(InvalidInput, match="language: “de” is not a site language"):
        email_template_save(
            assembly_id=small_assembly.pk,
            kind="selected",
            subject="Hi",
            text_body="Hallo",
            language="de",
        )
    assert not EmailTemplate.objects.exists()


def test_email_send_deliver_uses_template_of_registrants_language(small_assembly, mailoutbox):
    EmailTemplateFactory(assembly=small_assembly, subject="EN {{ assembly }}", text_body="en")
    EmailTemplateFactory(
        assembly=small_assembly, language="fr", subject="FR {{ assembly }}", text_body="fr"
    )
    ContentTranslationFactory(assembly=small_assembly, key="title", text="Assemblée de test")
    french = RegistrantFactory(assembly=small_assembly, language="fr")
    english = RegistrantFactory(assembly=small_assembly, language="en")
    for registrant in (french, english):
        send = EmailSendFactory(registrant=registrant, kind="selected", language="")
        email_send_deliver(send_id=send.pk)
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects == {
        french.email: "FR Assemblée de test",
        english.email: f"EN {small_assembly.title}",
    }


def test_email_send_deliver_without_template_in_language_uses_default_template(
    small_assembly, mailoutbox
):
    EmailTemplateFactory(assembly=small_assembly, subject="Default wording", text_body="x")
    registrant = RegistrantFactory(assembly=small_assembly, language="fr")
    email_send_deliver(send_id=EmailSendFactory(registrant=registrant, kind="selected").pk)
    assert [m.subject for m in mailoutbox] == ["Default wording"]


def test_panel_notify_writes_in_each_registrants_language(
    panel_run, manager, mailoutbox, django_capture_on_commit_callbacks
):
    EmailTemplateFactory(assembly=panel_run.assembly, language="fr", subject="FR", text_body="fr")
    french = Registrant.objects.filter(selected_by=panel_run).first()
    french.language = "fr"
    french.save()
    with translation.override("en"):
        _notify(panel_run, manager, django_capture_on_commit_callbacks)
    languages = dict(EmailSend.objects.values_list("registrant_id", "language"))
    assert languages[french.pk] == "fr"
    assert set(languages.values()) == {"fr", "en"}
    (to_french,) = [m for m in mailoutbox if m.to == [french.email]]
    assert to_french.subject == "FR"

"""The emails admin: templates validated on save and previewed as a sample registrant, the
assembly's reply-to address, and the run page's "Notify the panel" confirmation page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import (
    AssemblyStatus,
    EmailSend,
    EmailTemplate,
    Registrant,
    RunStatus,
)
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start
from tests.assemblies.factories import ContentTranslationFactory, EmailTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_run(small_assembly):
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s").pk
    )
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def notify_url(run):
    return reverse("admin:assemblies_selectionrun_notify", args=[run.pk])


def preview_url(assembly, kind):
    return reverse("admin:assemblies_emailtemplate_preview", args=[assembly.pk, kind])


def _template_form(assembly, **fields):
    return {
        "assembly": assembly.pk,
        "kind": "selected",
        "subject": "You are in: {{ assembly }}",
        "text_body": "Dear {{ name }}",
        "html_body": "",
        **fields,
    }


def test_template_add_with_unknown_placeholder_shows_error_and_stores_nothing(
    client, manager, small_assembly
):
    client.force_login(manager)
    url = reverse("admin:assemblies_emailtemplate_add")
    response = client.post(url, _template_form(small_assembly, text_body="Dear {{ nom }}"))
    assert response.status_code == 200
    assert "unknown placeholder {{ nom }}" in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_template_add_saves_through_service(client, manager, small_assembly):
    client.force_login(manager)
    url = reverse("admin:assemblies_emailtemplate_add")
    response = client.post(url, _template_form(small_assembly))
    assert response.status_code == 302
    template = EmailTemplate.objects.get()
    assert template.version == 1 and template.updated_by == manager


def test_template_add_form_starts_from_built_in_wording(client, manager, small_assembly):
    client.force_login(manager)
    url = (
        reverse("admin:assemblies_emailtemplate_add")
        + f"?assembly={small_assembly.pk}&kind=reserve"
    )
    page = client.get(url).content.decode()
    assert "You are a reserve: {{ assembly }}" in page


def test_template_add_refused_for_caller(client, caller, small_assembly):
    client.force_login(caller)
    response = client.post(
        reverse("admin:assemblies_emailtemplate_add"), _template_form(small_assembly)
    )
    assert response.status_code == 403
    assert not EmailTemplate.objects.exists()


def test_preview_renders_template_with_sample_registrant_escaping_html(
    client, viewer, small_assembly
):
    EmailTemplateFactory(
        assembly=small_assembly,
        subject="Hi {{ name }}",
        html_body="<p>{{ assembly }}</p>",
    )
    small_assembly.title = "<script>x</script>"
    small_assembly.save()
    client.force_login(viewer)
    page = client.get(preview_url(small_assembly, "selected")).content.decode()
    assert "Hi Alex Example" in page
    assert "<script>x</script>" not in page  # escaped in text, double-escaped in srcdoc
    assert "&amp;lt;script&amp;gt;" in page
    assert "Write this assembly" not in page and "Edit this wording" not in page  # viewer


def test_preview_of_built_in_wording(client, manager, small_assembly):
    client.force_login(manager)
    page = client.get(preview_url(small_assembly, "not_selected")).content.decode()
    assert "The panel has been drawn: Small assembly" in page
    assert "https://example.org/a/small/erase/" in page
    assert "Write this assembly" in page


def test_preview_outsider_gets_404(client, outsider, small_assembly):
    client.force_login(outsider)
    assert client.get(preview_url(small_assembly, "selected")).status_code == 404


def test_notify_button_on_run_page_for_managers_only(client, panel_run, manager, caller):
    page_url = reverse("admin:assemblies_selectionrun_change", args=[panel_run.pk])
    client.force_login(manager)
    assert notify_url(panel_run) in client.get(page_url).content.decode()
    client.force_login(caller)
    assert notify_url(panel_run) not in client.get(page_url).content.decode()
    assert client.get(notify_url(panel_run)).status_code == 403
    assert client.post(notify_url(panel_run)).status_code == 403
    assert not EmailSend.objects.exists()


def test_notify_page_counts_then_sends_once(
    client, panel_run, manager, mailoutbox, django_capture_on_commit_callbacks
):
    silent = Registrant.objects.filter(selected_by=panel_run).first()
    Registrant.objects.filter(pk=silent.pk).update(email="", phone="0123 456")
    client.force_login(manager)
    page = client.get(notify_url(panel_run)).content.decode()
    assert "Selected for the panel</td><td>4<" in page
    assert "Not selected</td><td>8<" in page
    assert 'id="notify-without-email">1<' in page and "0123 456" in page
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(notify_url(panel_run))
        assert response.status_code == 302
    assert EmailSend.objects.count() == 11 and len(mailoutbox) == 11
    assert mailoutbox[0].body.count("http://testserver/a/small/") >= 1
    page = client.get(notify_url(panel_run)).content.decode()
    assert "Already recorded for this run: 11 sent" in page


def test_assembly_page_has_reply_to_field(client, superuser, small_assembly):
    client.force_login(superuser)
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    page = client.get(url).content.decode()
    assert 'name="reply_to"' in page


def test_template_add_in_french_beside_the_default(client, manager, small_assembly):
    client.force_login(manager)
    url = reverse("admin:assemblies_emailtemplate_add")
    client.post(url, _template_form(small_assembly))
    response = client.post(
        url, _template_form(small_assembly, language="fr", subject="Tiré au sort : {{ assembly }}")
    )
    assert response.status_code == 302
    rows = dict(EmailTemplate.objects.values_list("language", "subject"))
    assert rows == {"": "You are in: {{ assembly }}", "fr": "Tiré au sort : {{ assembly }}"}
    again = client.post(url, _template_form(small_assembly, language="fr"))
    assert again.status_code == 200 and "already exists" in again.content.decode()
    assert EmailTemplate.objects.count() == 2


def test_preview_in_french_uses_the_french_title_and_wording(client, manager, small_assembly):
    ContentTranslationFactory(assembly=small_assembly, key="title", text="Petite assemblée")
    EmailTemplateFactory(assembly=small_assembly, subject="EN {{ assembly }}")
    client.force_login(manager)
    english = client.get(preview_url(small_assembly, "selected")).content.decode()
    french = client.get(preview_url(small_assembly, "not_selected") + "?language=fr")
    html = french.content.decode()
    assert "EN Small assembly" in english
    assert "Le panel a été tiré au sort : Petite assemblée" in html
    assert "Write this assembly's own wording" in html and "language=fr" in html


def test_template_add_form_starts_from_built_in_wording_in_french(client, manager, small_assembly):
    client.force_login(manager)
    url = reverse("admin:assemblies_emailtemplate_add") + "?kind=reserve&language=fr"
    html = client.get(url).content.decode()
    assert "Vous êtes sur la liste de réserve" in html
    assert '<option value="fr" selected>' in html

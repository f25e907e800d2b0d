"""The assembly's texts in the visitor's language, with fallback to the default text
(selectors/content.py, services/pages.py ``content_translations_save``, the public views)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from assemblies.errors import InvalidInput
from assemblies.models import ContentTranslation, FieldType, Registrant, Requirement
from assemblies.selectors.content import translation_key_problem
from assemblies.services.pages import content_translations_save
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import ContentTranslationFactory, FormFieldFactory
from tests.assemblies.registration.conftest import form_data

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(autouse=True)
def _language_restored():
    """A French request leaves French active in this thread (LocaleMiddleware); restore the
    language afterwards so later tests see their own."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def french(assembly):
    """French texts for the title, the gender question and one of its values; the age
    question and the description are left untranslated."""
    for key, text in {
        "title": "Assemblée citoyenne pour le climat",
        "description": "",  # blank rows never hide the default
        "category:gender:question": "Quel est votre genre ?",
        "value:gender:Woman": "Femme",
    }.items():
        if text:
            ContentTranslationFactory(assembly=assembly, key=key, text=text)
    return assembly


def test_form_shows_french_texts_with_fallback(client, french):
    url = reverse("assemblies:register", kwargs={"slug": french.slug})
    page = client.get(url, **FRENCH).content.decode()
    assert "Assemblée citoyenne pour le climat" in page
    assert "Quel est votre genre ?" in page
    assert ">Femme</label>" in page and 'value="Woman"' in page
    assert "How old are you?" in page  # not translated: the default text
    assert ">Man</label>" in page
    english = client.get(url).content.decode()
    assert "Assemblée" not in english and "What is your gender?" in english


def test_landing_and_thanks_show_the_french_title(client, french):
    for name in ("landing", "thanks"):
        url = reverse(f"assemblies:{name}", kwargs={"slug": french.slug})
        page = client.get(url, **FRENCH).content.decode()
        assert "Assemblée citoyenne pour le climat" in page, name
    landing = client.get(reverse("assemblies:landing", kwargs={"slug": french.slug}), **FRENCH)
    assert french.description in landing.content.decode()  # untranslated: the default


def test_value_label_never_changes_the_stored_value(
    client, french, django_capture_on_commit_callbacks
):
    url = reverse("assemblies:register", kwargs={"slug": french.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(french), **FRENCH)
    assert response.status_code == 302
    assert Registrant.objects.get().answers["gender"] == "Woman"
    refused = client.post(
        url, form_data(french, category_0="Femme", email="b@example.org"), **FRENCH
    )
    assert refused.status_code == 400
    assert Registrant.objects.count() == 1


def test_translations_save_and_audit(assembly):
    rows = [
        ContentTranslation(assembly=assembly, language="fr", key="title", text=" Titre "),
        ContentTranslation(assembly=assembly, language="fr", key="field:diet:label", text="Régime"),
    ]
    content_translations_save(assembly_id=assembly.pk, changed=rows)
    assert dict(ContentTranslation.objects.values_list("key", "text")) == {
        "title": "Titre",
        "field:diet:label": "Régime",
    }
    event = AuditEvent.objects.get(action="assemblies.translations.changed")
    assert event.data["saved"] == ["fr:title", "fr:field:diet:label"]


@pytest.mark.parametrize(
    ("row", "named"),
    [
        ({"language": "de", "key": "title", "text": "Titel"}, "language"),
        ({"language": "fr", "key": "subtitle", "text": "x"}, "subtitle"),
        ({"language": "fr", "key": "category:age:label", "text": "x"}, "category:age:label"),
        ({"language": "fr", "key": "value:age", "text": "x"}, "value:age"),
        ({"language": "fr", "key": "title", "text": "   "}, "empty"),
    ],
)
def test_translations_bad_input_stores_nothing(assembly, row, named):
    good = ContentTranslation(assembly=assembly, language="fr", key="question", text="Q ?")
    with pytest.raises(InvalidInput, match=named):
        content_translations_save(
            assembly_id=assembly.pk, changed=[good, ContentTranslation(assembly=assembly, **row)]
        )
    assert not ContentTranslation.objects.exists()


def test_translations_duplicate_key_stores_nothing(assembly):
    ContentTranslationFactory(assembly=assembly, key="title", text="Titre")
    twice = ContentTranslation(assembly=assembly, language="fr", key="title", text="Autre")
    other = ContentTranslation(assembly=assembly, language="fr", key="question", text="Q ?")
    with pytest.raises(InvalidInput, match="exists already"):
        content_translations_save(assembly_id=assembly.pk, changed=[other, twice])
    assert list(ContentTranslation.objects.values_list("text", flat=True)) == ["Titre"]


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("title", True),
        ("privacy_notice", True),
        ("category:age_bucket:question", True),
        ("category:age:help", True),
        ("value:age:65+", True),
        ("value:region:North: East", True),
        ("field:diet:label", True),
        ("field:diet:help", True),
        ("choice:diet:Vegan", True),
        ("choice:diet:A: B", True),
        ("choice:diet", False),
        ("field:diet", False),
        ("category::question", False),
        ("nonsense", False),
    ],
)
def test_translation_key_rules(key, ok):
    assert (translation_key_problem(key) == "") is ok


def test_form_fields_shown_in_french_with_fallback(client, assembly):
    FormFieldFactory(
        assembly=assembly,
        key="diet",
        label="What do you eat?",
        help_text="For the meals.",
        type=FieldType.SINGLE_CHOICE,
        choices="Vegan\nAnything",
        requirement=Requirement.REQUIRED,
    )
    FormFieldFactory(assembly=assembly, key="needs", label="Access needs?")
    for key, text in {
        "field:diet:label": "Que mangez-vous ?",
        "field:diet:help": "Pour les repas.",
        "choice:diet:Vegan": "Végétalien",
    }.items():
        ContentTranslationFactory(assembly=assembly, key=key, text=text)
    url = reverse("assemblies:register", kwargs={"slug": assembly.slug})
    page = client.get(url, **FRENCH).content.decode()
    assert "Que mangez-vous ?" in page and "Pour les repas." in page
    assert "Végétalien" in page and 'value="Vegan"' in page
    assert "Anything" in page and "Access needs?" in page  # not translated: the default
    english = client.get(url).content.decode()
    assert "What do you eat?" in english and "Végétalien" not in english


def test_french_choice_label_stores_the_choice(
    client, assembly, django_capture_on_commit_callbacks
):
    FormFieldFactory(
        assembly=assembly, key="diet", type=FieldType.SINGLE_CHOICE, choices="Vegan\nAnything"
    )
    ContentTranslationFactory(assembly=assembly, key="choice:diet:Vegan", text="Végétalien")
    url = reverse("assemblies:register", kwargs={"slug": assembly.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(assembly, custom_diet="Vegan"), **FRENCH)
    assert response.status_code == 302
    assert Registrant.objects.get().extra == {"diet": "Vegan"}

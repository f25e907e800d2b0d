"""An assembly's public texts in the visitor's language.

Design: one table, :class:`~assemblies.models.ContentTranslation`, holds every translated text
of an assembly as ``(assembly, language, key) -> text``. The default texts stay where they are
(the assembly's fields, ``Category.question``/``help_text``, the quota values); a translation
row only overrides what is *shown* in its language, and a missing row falls back to the
default. Keys:

==============================  ===================================================
``title``, ``question``,        the assembly's own fields
``description``,
``privacy_notice``
``category:<name>:question``    the question of category ``<name>`` on the form
``category:<name>:help``        its help text
``value:<category>:<value>``    the label shown for a quota value (the stored answer
                                stays ``<value>``)
``field:<key>:label``,          an organiser-defined form field: its label and help
``field:<key>:help``            text on the registration form
``choice:<key>:<choice>``       the label shown for a choice of a (single or
                                multiple) choice field (the stored answer stays
                                ``<choice>``)
==============================  ===================================================

:func:`translation_key_problem` is the rule the translation service checks;
:func:`translation_keys_unknown` finds saved keys that name nothing of the assembly (a
renamed category or field; the readiness checklist warns about them); the public views call
:func:`assembly_localised`, :func:`questions_localised` and :func:`fields_localised`.
"""

from __future__ import annotations

import copy
import dataclasses

from django.conf import settings
from django.utils import translation

from assemblies.models import Assembly, Category, ContentTranslation, FormField, Quota
from assemblies.selectors.registration import FieldSpec, Question

#: Keys naming a field of the assembly itself.
ASSEMBLY_KEYS = ("title", "question", "description", "privacy_notice")
#: ``prefix: allowed suffixes`` of the keys with a name in the middle.
NAMED_KEYS = {
    "category": ("question", "help"),
    "value": None,  # value:<category>:<value>, both parts free text
    "field": ("label", "help"),
    "choice": None,  # choice:<field key>:<choice>, both parts free text
}


def translation_key_problem(key: str) -> str:
    """Why ``key`` is not a translation key (see the module's table), or ``""`` when it is."""
    if key in ASSEMBLY_KEYS:
        return ""
    prefix, _, rest = key.partition(":")
    if prefix not in NAMED_KEYS or not rest:
        return (
            f"“{key}” is not a translation key: use title, question, description, "
            "privacy_notice, category:<name>:question, category:<name>:help, "
            "value:<category>:<value>, field:<key>:label, field:<key>:help or "
            "choice:<key>:<choice>."
        )
    middle, sep, suffix = rest.rpartition(":")
    if not sep or not middle or not suffix:
        return f"“{key}” needs two parts after “{prefix}:”, separated by “:”."
    allowed = NAMED_KEYS[prefix]
    if allowed is not None and suffix not in allowed:
        return f"“{key}” must end in {' or '.join(':' + a for a in allowed)}."
    return ""


def language_codes() -> list[str]:
    """The site's language codes (``settings.LANGUAGES``)."""
    return [code for code, _name in settings.LANGUAGES]


def site_language(language: str | None) -> str:
    """The site language code ``language`` falls under (``"fr-ca"`` -> ``"fr"``), or ``""``
    when it is none of ``settings.LANGUAGES`` (or empty)."""
    code = (language or "").split("-")[0].lower()
    return code if code in language_codes() else ""


def translations_for(*, assembly: Assembly, language: str | None) -> dict[str, str]:
    """``{key: text}`` of the assembly's translations in ``language`` (a site language code,
    e.g. ``"fr"``; regional variants such as ``"fr-ca"`` use their base language); empty for
    no language. One query."""
    if not language:
        return {}
    code = language.split("-")[0].lower()
    return dict(
        ContentTranslation.objects.filter(assembly=assembly, language=code).values_list(
            "key", "text"
        )
    )


def assembly_localised(
    *, assembly: Assembly, texts: dict[str, str] | None = None, language: str | None = None
) -> Assembly:
    """A copy of ``assembly`` for display, with ``title``, ``question``, ``description`` and
    ``privacy_notice`` in ``language`` (default: the active language) where translated.

    Args:
        assembly: the assembly (not changed).
        texts: the translations already read by :func:`translations_for` (saves a query).
        language: a site language code; ignored when ``texts`` is given.

    Returns:
        An unsaved copy for templates only: never save it or pass it to a service.
    """
    if texts is None:
        texts = translations_for(assembly=assembly, language=language or translation.get_language())
    shown = copy.copy(assembly)
    for key in ASSEMBLY_KEYS:
        if texts.get(key, "").strip():
            setattr(shown, key, texts[key])
    return shown


def questions_localised(*, questions: list[Question], texts: dict[str, str]) -> list[Question]:
    """The form's questions with their text, help and value labels in the language of
    ``texts`` (from :func:`translations_for`), each falling back to the default. The values
    (what is stored) never change."""
    shown = []
    for q in questions:
        labels = tuple(
            texts.get(f"value:{q.category}:{value}", "").strip() or label
            for value, label in q.choices()
        )
        shown.append(
            dataclasses.replace(
                q,
                text=texts.get(f"category:{q.category}:question", "").strip() or q.text,
                help_text=texts.get(f"category:{q.category}:help", "").strip() or q.help_text,
                labels=labels,
            )
        )
    return shown


def fields_localised(*, fields: list[FieldSpec], texts: dict[str, str]) -> list[FieldSpec]:
    """The organiser's form fields with their label, help text and choice labels in the
    language of ``texts`` (from :func:`translations_for`: keys ``field:<key>:label``,
    ``field:<key>:help`` and ``choice:<key>:<choice>``), each falling back to the default.
    The choices (what is stored) never change."""
    shown = []
    for spec in fields:
        labels = tuple(
            texts.get(f"choice:{spec.key}:{choice}", "").strip() or label
            for choice, label in spec.choice_pairs()
        )
        shown.append(
            dataclasses.replace(
                spec,
                label=texts.get(f"field:{spec.key}:label", "").strip() or spec.label,
                help_text=texts.get(f"field:{spec.key}:help", "").strip() or spec.help_text,
                labels=labels,
            )
        )
    return shown


def translation_keys_unknown(*, assembly: Assembly) -> list[str]:
    """The assembly's translation keys that name nothing it has (a category, quota value,
    form field or choice renamed or removed since the text was written), sorted, each once
    (whatever the language). Such a text is never shown."""
    values = set(Quota.objects.filter(assembly=assembly).values_list("category", "value"))
    categories = set(Category.objects.filter(assembly=assembly).values_list("name", flat=True))
    categories |= {category for category, _value in values}
    fields = {field.key: field.choice_list for field in FormField.objects.filter(assembly=assembly)}
    # Values and choices may hold ":", so those keys are compared whole.
    named = {f"value:{category}:{value}" for category, value in values}
    named |= {f"choice:{key}:{choice}" for key, choices in fields.items() for choice in choices}
    unknown = set()
    keys = ContentTranslation.objects.filter(assembly=assembly).values_list("key", flat=True)
    for key in set(keys):
        prefix, _, rest = key.partition(":")
        middle = rest.rpartition(":")[0]
        if key in ASSEMBLY_KEYS or key in named:
            continue
        if prefix == "category" and middle in categories:
            continue
        if prefix == "field" and middle in fields:
            continue
        unknown.add(key)
    return sorted(unknown)

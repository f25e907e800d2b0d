"""The readiness checklist shown before registration opens (an assembly, or a registration
page promoted from test to open)."""

from __future__ import annotations

from assemblies.models import Assembly, Category
from assemblies.selectors.content import translation_keys_unknown
from assemblies.selectors.registration import registration_questions


def assembly_readiness(*, assembly: Assembly) -> list[str]:
    """What the public would see unfinished if registration opened now, as plain sentences
    for organisers (empty: nothing to warn about). Warnings never block opening; the admin
    asks the organiser to confirm them.

    Checks: no categories (no quotas); a category whose form question is empty or just its
    column name (e.g. ``age_bucket``); no description; no closing date; no privacy notice;
    translations whose key names no category, value, form field or choice of the assembly.
    """
    warnings = []
    questions = registration_questions(assembly=assembly)
    if not questions:
        warnings.append("No categories: add the quota table, or the form asks no questions.")
    written = dict(Category.objects.filter(assembly=assembly).values_list("name", "question"))
    for question in questions:
        text = (written.get(question.category) or "").strip()
        if not text or text.casefold() == question.category.strip().casefold():
            warnings.append(
                f"Category “{question.category}” has no question: the form would show the "
                "column name. Write the question in the categories table."
            )
    if not assembly.description.strip():
        warnings.append("No description: the public page would not say what the assembly is.")
    if assembly.registration_closes_at is None:
        warnings.append("No closing date: registration stays open until someone closes it.")
    if not assembly.privacy_notice.strip():
        warnings.append(
            "No privacy notice: the form would only show the site's general privacy text."
        )
    unknown = translation_keys_unknown(assembly=assembly)
    if unknown:
        warnings.append(
            f"Translations that name nothing of this assembly (never shown): "
            f"{', '.join(unknown)}. Correct the key or delete the translation."
        )
    return warnings

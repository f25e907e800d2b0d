"""List filters shared by the organisers' admin: the user's assemblies, and one category's
answer."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import CharField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpRequest

from assemblies.models import Category
from assemblies.selectors.assemblies import assemblies_visible_to


class AssemblyFilter(admin.SimpleListFilter):
    """Only the assemblies the user is a member of."""

    title = "assembly"
    parameter_name = "assembly"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (str(a.pk), a.title)
            for a in assemblies_visible_to(user=request.user).only("pk", "title")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(assembly_id=int(value))
        return queryset


def category_filter(category: Category, values: list[str]) -> type[admin.SimpleListFilter]:
    """A list filter on one category's answer (reads ``Registrant.answers``)."""

    class AnswerFilter(admin.SimpleListFilter):
        title = category.name
        parameter_name = f"answer_{category.pk}"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(value, value) for value in values]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value() is None:
                return queryset
            answer = Cast(KeyTextTransform(category.name, "answers"), output_field=CharField())
            return queryset.alias(_answer=answer).filter(_answer=self.value())

    AnswerFilter.__name__ = f"AnswerFilter{category.pk}"
    return AnswerFilter

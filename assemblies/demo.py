"""Demo assembly for ``manage.py demo``: quotas and a few hundred synthetic registrants.

Everything is derived from a fixed seed with SHA-256, so the demo is the same on every
machine; running it again creates nothing new. The demo organiser (``accounts/demo.py``,
which runs first) is the assembly's manager.
"""

from __future__ import annotations

import hashlib
import math
from typing import TextIO, TypedDict

from accounts.demo import DEMO_ORGANISER_EMAIL
from accounts.models import User
from assemblies.models import (
    Assembly,
    AssemblyStatus,
    Category,
    ContentTranslation,
    FieldType,
    FormField,
    Registrant,
    Requirement,
    Role,
)
from assemblies.services.assemblies import assembly_create, assembly_open_registration
from assemblies.services.form_fields import form_fields_save
from assemblies.services.imports import registrants_import
from assemblies.services.memberships import membership_set
from assemblies.services.pages import content_translations_save
from assemblies.services.quotas import quotas_import

DEMO_SLUG = "demo-climate-assembly"
DEMO_POOL_SIZE = 300
DEMO_PANEL_SIZE = 30
DEMO_SEED = "opendlp-demo-v1"

#: category -> [(value, share of the population)], and the public question per category.
DEMO_CATEGORIES: dict[str, list[tuple[str, float]]] = {
    "gender": [("woman", 0.5), ("man", 0.47), ("non-binary", 0.03)],
    "age": [("16-29", 0.22), ("30-44", 0.25), ("45-64", 0.32), ("65+", 0.21)],
    "region": [("north", 0.3), ("south", 0.35), ("east", 0.15), ("west", 0.2)],
    "education": [("school", 0.35), ("vocational", 0.3), ("university", 0.35)],
}
DEMO_QUESTIONS = {
    "gender": "What is your gender?",
    "age": "How old are you?",
    "region": "Where do you live?",
    "education": "What is your highest qualification?",
}
_FIRST = ("Alex", "Sam", "Jo", "Charlie", "Robin", "Kim", "Max", "Noor", "Ali", "Eva", "Lee")
_LAST = ("Smith", "Jones", "Khan", "Taylor", "Brown", "Okafor", "Novak", "Silva", "Evans")


class DemoPerson(TypedDict):
    """One synthetic registrant: contact fields and ``{category: value}`` answers."""

    external_id: str
    name: str
    email: str
    postcode: str
    answers: dict[str, str]


#: The demo assembly's own form fields: availability and access needs.
DEMO_FORM_FIELDS: list[dict[str, object]] = [
    {
        "key": "availability",
        "label": "Which of the four assembly weekends can you attend?",
        "help_text": "Members are asked to attend all four.",
        "type": FieldType.MULTIPLE_CHOICE,
        "choices": "7-8 March\n21-22 March\n4-5 April\n18-19 April",
        "requirement": Requirement.REQUIRED,
        "position": 1,
    },
    {
        "key": "access_needs",
        "label": "Do you have any access needs we should know about?",
        "help_text": "For example step-free access, a hearing loop, childcare or dietary needs.",
        "type": FieldType.LONG_TEXT,
        "choices": "",
        "requirement": Requirement.OPTIONAL,
        "position": 2,
    },
]


#: The demo's texts in French (``ContentTranslation`` keys), so switching the site to French
#: shows a French form: title, question, description, category questions, value labels and the
#: form fields.
DEMO_FRENCH: dict[str, str] = {
    "title": "Assemblée citoyenne de démonstration sur le climat",
    "question": "Comment notre ville peut-elle atteindre la neutralité carbone d’ici 2040 ?",
    "description": "Une assemblée de démonstration avec des inscrits fictifs.",
    "category:gender:question": "Quel est votre genre ?",
    "category:age:question": "Quel âge avez-vous ?",
    "category:region:question": "Où habitez-vous ?",
    "category:education:question": "Quel est votre plus haut diplôme ?",
    "value:gender:woman": "femme",
    "value:gender:man": "homme",
    "value:gender:non-binary": "non binaire",
    "value:age:65+": "65 ans et plus",
    "value:region:north": "nord",
    "value:region:south": "sud",
    "value:region:east": "est",
    "value:region:west": "ouest",
    "value:education:school": "école",
    "value:education:vocational": "formation professionnelle",
    "value:education:university": "université",
    "field:availability:label": "Quels week-ends de l’assemblée pouvez-vous suivre ?",
    "field:availability:help": "Les membres sont invités à assister aux quatre.",
    "choice:availability:7-8 March": "7-8 mars",
    "choice:availability:21-22 March": "21-22 mars",
    "choice:availability:4-5 April": "4-5 avril",
    "choice:availability:18-19 April": "18-19 avril",
    "field:access_needs:label": (
        "Avez-vous des besoins d’accessibilité que nous devrions connaître ?"
    ),
    "field:access_needs:help": (
        "Par exemple un accès sans marches, une boucle magnétique, une garde d’enfants ou un "
        "régime alimentaire."
    ),
}


def _unit(*parts: object) -> float:
    """A number in [0, 1) derived from the seed and ``parts``."""
    digest = hashlib.sha256("\x1f".join([DEMO_SEED, *map(str, parts)]).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _pick(options: list[tuple[str, float]], u: float) -> str:
    total = 0.0
    for value, share in options:
        total += share
        if u < total:
            return value
    return options[-1][0]


def demo_people() -> list[DemoPerson]:
    """The synthetic pool: ``[{external_id, name, email, postcode, answers}]`` (a pool that
    leans a little towards older, university-educated people, as self-selected pools do)."""
    people: list[DemoPerson] = []
    for number in range(1, DEMO_POOL_SIZE + 1):
        answers: dict[str, str] = {}
        for category, options in DEMO_CATEGORIES.items():
            tilted = [
                (value, share * (1.3 if value in ("65+", "university") else 1.0))
                for value, share in options
            ]
            total = sum(s for _, s in tilted)
            answers[category] = _pick([(v, s / total) for v, s in tilted], _unit(number, category))
        first = _FIRST[int(_unit(number, "first") * len(_FIRST))]
        last = _LAST[int(_unit(number, "last") * len(_LAST))]
        people.append(
            {
                "external_id": f"D{number:04d}",
                "name": f"{first} {last}",
                "email": f"person{number:04d}@example.org",
                "postcode": f"DM{1 + int(_unit(number, 'pc') * 9)} {number % 10}XY",
                "answers": answers,
            }
        )
    return people


def demo_quotas_csv(people: list[DemoPerson]) -> str:
    """Quotas near the population shares, widened so this pool can meet them."""
    lines = ["category,feature,min,max"]
    for category, options in DEMO_CATEGORIES.items():
        for value, share in options:
            target = share * DEMO_PANEL_SIZE
            available = sum(1 for p in people if p["answers"][category] == value)
            low = min(max(0, math.floor(target) - 1), available)
            high = max(low, math.ceil(target) + 1)
            lines.append(f"{category},{value},{low},{high}")
    return "\n".join(lines) + "\n"


def demo_registrants_csv(people: list[DemoPerson]) -> str:
    """The synthetic pool as a registrants CSV (id, contact columns, one column per category)."""
    header = ["id", "name", "email", "postcode", *DEMO_CATEGORIES]
    lines = [",".join(header)]
    for p in people:
        answers = p["answers"]
        lines.append(
            ",".join(
                [str(p["external_id"]), str(p["name"]), str(p["email"]), str(p["postcode"])]
                + [answers[c] for c in DEMO_CATEGORIES]
            )
        )
    return "\n".join(lines) + "\n"


def demo_populate(*, stdout: TextIO) -> None:
    """Create the demo assembly (quotas, category questions, form fields, French texts and the
    synthetic pool) with the
    demo organiser as its manager, and open its registration the first time, so a newcomer
    after ``make run`` has a form to fill in; idempotent (a demo closed since stays closed)."""
    organiser = User.objects.filter(email__iexact=DEMO_ORGANISER_EMAIL).first()
    assembly = Assembly.objects.filter(slug=DEMO_SLUG).first()
    if assembly is None:
        assembly = assembly_create(
            slug=DEMO_SLUG,
            title="Demo citizens' assembly on climate",
            question="How should our town reach net zero by 2040?",
            description="A demonstration assembly with synthetic registrants.",
            panel_size=DEMO_PANEL_SIZE,
            id_column="id",
        )
    if (
        organiser is not None
        and not organiser.assembly_memberships.filter(assembly=assembly).exists()
    ):
        membership_set(assembly_id=assembly.pk, user=organiser, role=Role.MANAGER)
    people = demo_people()
    if not assembly.quotas.exists():
        quotas_import(
            assembly_id=assembly.pk, text=demo_quotas_csv(people), filename="demo-quotas.csv"
        )
        for category in Category.objects.filter(assembly=assembly):
            category.question = DEMO_QUESTIONS.get(category.name, "")
            category.save(update_fields=["question"])
    if not FormField.objects.filter(assembly=assembly).exists():
        form_fields_save(
            assembly_id=assembly.pk,
            changed=[FormField(assembly=assembly, **values) for values in DEMO_FORM_FIELDS],
        )
    if not ContentTranslation.objects.filter(assembly=assembly).exists():
        content_translations_save(
            assembly_id=assembly.pk,
            changed=[
                ContentTranslation(assembly=assembly, language="fr", key=key, text=text)
                for key, text in DEMO_FRENCH.items()
            ],
        )
    if not Registrant.objects.filter(assembly=assembly).exists():
        registrants_import(
            assembly_id=assembly.pk,
            text=demo_registrants_csv(people),
            filename="demo-registrants.csv",
            id_column="id",
        )
    if assembly.status == AssemblyStatus.DRAFT:
        assembly = assembly_open_registration(assembly_id=assembly.pk)
    pool = Registrant.objects.filter(assembly=assembly).count()
    stdout.write(
        f"Demo assembly: {assembly.title} ({assembly.slug}), panel of {assembly.panel_size} "
        f"from a pool of {pool}; registration {assembly.status}: /a/{assembly.slug}/\n"
    )

"""factory-boy factories for the assemblies models (one plain factory per model)."""

import datetime
import hashlib

import factory
from django.utils import timezone

from assemblies.models import (
    Assembly,
    AssemblyMembership,
    Category,
    ContentTranslation,
    EmailKind,
    EmailSend,
    EmailTemplate,
    FieldType,
    FormField,
    ImportJob,
    ImportJobAction,
    Invitation,
    NoteKind,
    PageStatus,
    PendingImport,
    Quota,
    Registrant,
    RegistrantNote,
    RegistrantSource,
    RegistrantStatus,
    RegistrationPage,
    Requirement,
    Role,
    SelectionRun,
)
from tests.accounts.factories import UserFactory


class AssemblyFactory(factory.django.DjangoModelFactory):
    """A draft assembly with a panel of 4 and no quotas."""

    class Meta:
        model = Assembly

    slug = factory.Sequence(lambda n: f"assembly-{n}")
    title = factory.Sequence(lambda n: f"Assembly {n}")
    panel_size = 4


class StaffFactory(UserFactory):
    """A staff user (an organiser once given a membership)."""

    is_staff = True


class AssemblyMembershipFactory(factory.django.DjangoModelFactory):
    """A staff user's role in an assembly (manager by default)."""

    class Meta:
        model = AssemblyMembership

    assembly = factory.SubFactory(AssemblyFactory)
    user = factory.SubFactory(StaffFactory)
    role = Role.MANAGER


class CategoryFactory(factory.django.DjangoModelFactory):
    """A category with its question."""

    class Meta:
        model = Category

    assembly = factory.SubFactory(AssemblyFactory)
    name = factory.Sequence(lambda n: f"category{n}")
    question = factory.LazyAttribute(lambda o: f"What is your {o.name}?")


class FormFieldFactory(factory.django.DjangoModelFactory):
    """An optional short-text form field."""

    class Meta:
        model = FormField

    assembly = factory.SubFactory(AssemblyFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.LazyAttribute(lambda o: f"Question {o.key}?")
    type = FieldType.TEXT
    requirement = Requirement.OPTIONAL
    position = factory.Sequence(lambda n: n)


class QuotaFactory(factory.django.DjangoModelFactory):
    """A quota [0, 4]."""

    class Meta:
        model = Quota

    assembly = factory.SubFactory(AssemblyFactory)
    category = "gender"
    value = factory.Sequence(lambda n: f"value{n}")
    min = 0
    max = 4


class RegistrantFactory(factory.django.DjangoModelFactory):
    """An imported registrant in the pool."""

    class Meta:
        model = Registrant

    assembly = factory.SubFactory(AssemblyFactory)
    external_id = factory.Sequence(lambda n: f"R{n:05d}")
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    status = RegistrantStatus.POOL
    source = RegistrantSource.IMPORT
    answers = factory.LazyFunction(dict)


class SelectionRunFactory(factory.django.DjangoModelFactory):
    """A pending panel run."""

    class Meta:
        model = SelectionRun

    assembly = factory.SubFactory(AssemblyFactory)
    seed = factory.Sequence(lambda n: f"seed-{n}")
    panel_size = factory.LazyAttribute(lambda o: o.assembly.panel_size)


class PendingImportFactory(factory.django.DjangoModelFactory):
    """An uploaded quota CSV waiting for confirmation."""

    class Meta:
        model = PendingImport

    assembly = factory.SubFactory(AssemblyFactory)
    uploaded_by = factory.SubFactory(StaffFactory)
    kind = PendingImport.Kind.QUOTAS
    filename = "quotas.csv"
    text = "category,feature,min,max\ngender,woman,1,3\ngender,man,1,3\n"


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending viewer invitation; its plain token is ``"token-<n>"``."""

    class Meta:
        model = Invitation

    assembly = factory.SubFactory(AssemblyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.VIEWER
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=7))


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A pending preview job of a registrants upload (the upload made alongside)."""

    class Meta:
        model = ImportJob

    pending = factory.SubFactory(
        PendingImportFactory,
        kind=PendingImport.Kind.REGISTRANTS,
        filename="people.csv",
        text="id,gender,age\nQ1,woman,young\n",
    )
    assembly = factory.LazyAttribute(lambda o: o.pending.assembly)
    upload_id = factory.LazyAttribute(lambda o: o.pending.pk)
    action = ImportJobAction.PREVIEW
    filename = factory.LazyAttribute(lambda o: o.pending.filename)


class RegistrantNoteFactory(factory.django.DjangoModelFactory):
    """A caller's note on a registrant."""

    class Meta:
        model = RegistrantNote

    registrant = factory.SubFactory(RegistrantFactory)
    author = factory.SubFactory(StaffFactory)
    kind = NoteKind.CALL_OUTCOME
    text = factory.Sequence(lambda n: f"Called, will attend (note {n}).")


class RegistrationPageFactory(factory.django.DjangoModelFactory):
    """A registration page in test, in the visitor's language (random short code)."""

    class Meta:
        model = RegistrationPage

    assembly = factory.SubFactory(AssemblyFactory)
    label = factory.Sequence(lambda n: f"Letters batch {n}")
    language = ""
    status = PageStatus.TEST


class ContentTranslationFactory(factory.django.DjangoModelFactory):
    """The French title of an assembly."""

    class Meta:
        model = ContentTranslation

    assembly = factory.SubFactory(AssemblyFactory)
    language = "fr"
    key = "title"
    text = factory.Sequence(lambda n: f"Assemblée {n}")


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    """An organiser's "selected" email with a name placeholder."""

    class Meta:
        model = EmailTemplate

    assembly = factory.SubFactory(AssemblyFactory)
    kind = EmailKind.SELECTED
    subject = "Selected for {{ assembly }}"
    text_body = "Hello {{ name }}, you are on the panel. Withdraw: {{ withdraw_link }}"


class EmailSendFactory(factory.django.DjangoModelFactory):
    """A queued "selected" email to a registrant."""

    class Meta:
        model = EmailSend

    registrant = factory.SubFactory(RegistrantFactory)
    assembly = factory.LazyAttribute(lambda o: o.registrant.assembly)
    registrant_public_id = factory.LazyAttribute(lambda o: o.registrant.public_id)
    kind = EmailKind.SELECTED
    idempotency_key = factory.Sequence(lambda n: f"selected:test{n}")
    base_url = "https://dlp.test"

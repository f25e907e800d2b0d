"""Fixtures for the assemblies tests: a small assembly with quotas and a pool, organisers in
each role, and CSV texts."""

from __future__ import annotations

import pytest

from assemblies import engine
from assemblies.models import Role
from assemblies.services import execution
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory, StaffFactory

#: Quotas of the small assembly: panel of 4 from 12 people, gender x age.
SMALL_QUOTAS = """category,feature,min,max
gender,woman,2,2
gender,man,2,2
age,young,1,3
age,old,1,3
"""

#: 12 people; ids P01..P12; a household column; extra column "note".
SMALL_REGISTRANTS = """id,name,email,postcode,gender,age,note
P01,Ann One,ann@example.org,AB1,woman,young,a
P02,Bea Two,bea@example.org,AB2,woman,old,b
P03,Cat Three,cat@example.org,AB3,woman,young,c
P04,Dee Four,dee@example.org,AB4,woman,old,d
P05,Eve Five,eve@example.org,AB5,woman,young,e
P06,Fay Six,fay@example.org,AB6,woman,old,f
P07,Gus Seven,gus@example.org,AB7,man,young,g
P08,Hal Eight,hal@example.org,AB8,man,old,h
P09,Ian Nine,ian@example.org,AB9,man,young,i
P10,Jon Ten,jon@example.org,AB10,man,old,j
P11,Ken Eleven,ken@example.org,AB11,man,young,k
P12,Leo Twelve,leo@example.org,AB12,man,old,l
"""


@pytest.fixture
def small_assembly(db):
    """A draft assembly (panel of 4) with the small quotas and 12 imported registrants."""
    assembly = AssemblyFactory(slug="small", title="Small assembly", panel_size=4)
    quotas_import(assembly_id=assembly.pk, text=SMALL_QUOTAS, filename="quotas.csv")
    registrants_import(
        assembly_id=assembly.pk, text=SMALL_REGISTRANTS, filename="people.csv", id_column="id"
    )
    assembly.refresh_from_db()
    return assembly


def _member(assembly, role):
    return AssemblyMembershipFactory(assembly=assembly, role=role).user


@pytest.fixture
def manager(small_assembly):
    """A staff user who manages the small assembly."""
    return _member(small_assembly, Role.MANAGER)


@pytest.fixture
def caller(small_assembly):
    """A staff user who is a caller of the small assembly."""
    return _member(small_assembly, Role.CALLER)


@pytest.fixture
def viewer(small_assembly):
    """A staff user who is a viewer of the small assembly."""
    return _member(small_assembly, Role.VIEWER)


@pytest.fixture
def outsider(db):
    """A staff user who manages another assembly only."""
    other = AssemblyFactory(slug="other", title="Other assembly")
    return _member(other, Role.MANAGER)


@pytest.fixture
def superuser(db):
    """A superuser (no memberships)."""
    return StaffFactory(is_superuser=True)


@pytest.fixture
def staff_client(client):
    """``staff_client(user)`` logs the test client in as ``user`` and returns it."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hash test passwords quickly (the factories set one per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def first_fit(snapshot):
    """Pick, in pool order, people who keep every quota's max; fill to the panel size."""
    chosen, counts = [], {}
    quotas = {(q["category"], q["value"]): q for q in snapshot["quotas"]}
    for person in snapshot["pool"]:
        keys = [(c, v) for c, v in person["answers"].items() if (c, v) in quotas]
        if all(counts.get(k, 0) < quotas[k]["max"] for k in keys):
            chosen.append(person["id"])
            for k in keys:
                counts[k] = counts.get(k, 0) + 1
        if len(chosen) == snapshot["panel_size"]:
            break
    size = len(snapshot["pool"])
    return {
        "panel": chosen,
        "probabilities": {p["id"]: snapshot["panel_size"] / size for p in snapshot["pool"]},
        "types": [[pid] for pid in chosen],
        "distribution": [
            {"weight": 1, "probability": 1.0, "counts": [[i, 1] for i in range(len(chosen))]}
        ],
        "min_probability": snapshot["panel_size"] / size,
        "gini": 0.0,
        "geometric_mean": snapshot["panel_size"] / size,
        "num_panels": 1,
        "seed": snapshot["seed"],
        "algorithm": snapshot["algorithm"],
        "version": "first-fit",
        "input_digest": "",
        "panel_size": snapshot["panel_size"],
        "households": bool(snapshot.get("households")),
        "seconds": 0.0,
        "quotas": [],
    }


@pytest.fixture
def fake_draw(monkeypatch):
    """Replace the engine's draw; records each snapshot it was given in ``.calls``."""

    class Fake:
        calls: list = []
        behaviour = None

        def __call__(self, snapshot, *, progress=None, should_cancel=None):
            self.calls.append(snapshot)
            if progress:
                progress("testing", 1, 2)
            if self.behaviour:
                return self.behaviour(snapshot, should_cancel)
            return first_fit(snapshot)

    fake = Fake()
    fake.calls = []
    monkeypatch.setattr(engine, "draw", fake)
    monkeypatch.setattr(execution, "PROGRESS_WRITE_INTERVAL", 0.0)
    monkeypatch.setattr(execution, "CANCEL_CHECK_INTERVAL", 0.0)
    return fake

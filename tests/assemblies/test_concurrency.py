"""Double requests from two connections at once (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection

from assemblies.models import SelectionRun
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from assemblies.services.runs import selection_run_start
from tests.assemblies.conftest import SMALL_QUOTAS, SMALL_REGISTRANTS
from tests.assemblies.factories import AssemblyFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_starts_make_one_run():
    assembly = AssemblyFactory(panel_size=4)
    quotas_import(assembly_id=assembly.pk, text=SMALL_QUOTAS, filename="q.csv")
    registrants_import(
        assembly_id=assembly.pk, text=SMALL_REGISTRANTS, filename="p.csv", id_column="id"
    )
    barrier = threading.Barrier(4)
    results, errors = [], []

    def request():
        try:
            barrier.wait()
            run = selection_run_start(assembly_id=assembly.pk, enqueue=False)
            results.append(run.pk)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert SelectionRun.objects.filter(assembly=assembly).count() == 1

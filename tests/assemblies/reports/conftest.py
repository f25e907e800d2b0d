import pytest

from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start


@pytest.fixture
def panel_run(small_assembly, fake_draw):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    return selection_run_execute(run_id=run.pk)

"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` prefix (JSON only). There is
no global time limit: every task declares its own ``soft_time_limit`` and ``time_limit``,
because a selection may legitimately run for many minutes while a lottery close takes
seconds. Tasks are discovered in each installed app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendlp.settings")

app = Celery("opendlp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs: object) -> None:
    """Create the filesystem broker's folders so the embedded broker works on a fresh clone."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "data_folder_processed", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)

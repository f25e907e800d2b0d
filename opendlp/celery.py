"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` prefix (JSON only). There is
no global time limit: every task declares its own ``soft_time_limit`` and ``time_limit``,
because a selection may legitimately run for many minutes while a lottery close takes
seconds. Tasks are discovered in each installed app's ``tasks.py``.
"""

import logging
import os

from celery import Celery, signals

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


@signals.setup_logging.connect
def _use_django_logging(loglevel: int | str | None = None, **kwargs: object) -> None:
    """Make the worker and beat log through ``settings.LOGGING``, not Celery's own set-up.

    Celery would otherwise clear the handlers of the ``celery`` logger and put an unfiltered
    handler on root, so task lines, tracebacks and logged emails were lost or unredacted.
    Connecting this receiver tells Celery to leave logging alone; the command's
    ``--loglevel`` then sets the root level (it overrides ``LOG_LEVEL``).
    """
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)

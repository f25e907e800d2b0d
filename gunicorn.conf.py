"""Gunicorn settings; gunicorn reads ``./gunicorn.conf.py`` from its working directory.

Access and error log lines go through the project's redaction filter
(:mod:`opendlp.core.redaction`), like every Django and Celery log line: tokens in request
paths, query strings and referers (registrant links, invitations, password resets) become
``[redacted]`` while status codes and sizes stay. Where the lines go is left to the command
line (the Dockerfile and docker-compose pass ``--access-logfile -``).
"""

from __future__ import annotations

from gunicorn.config import Config
from gunicorn.glogging import Logger

from opendlp.core.redaction import RedactingFilter


class RedactingLogger(Logger):
    """Gunicorn's logger with :class:`RedactingFilter` on its access and error loggers."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactingFilter) for f in log.filters):
                log.addFilter(RedactingFilter())


logger_class = RedactingLogger

"""``manage.py run_selection SLUG [--algorithm A] [--seed S] [--test] [--panels M] [--sync]``."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.errors import ServiceError
from assemblies.management.commands._common import assembly_or_error, service_error
from assemblies.models import RunKind, RunStatus
from assemblies.selectors.runs import run_report
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import replacements_select, selection_run_start
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = "Request a selection run (a Celery worker runs it), or run it here with --sync."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--algorithm", default=None, help="leximin (default), maximin, ...")
        parser.add_argument("--seed", default=None, help="Seed text (default: 256 random bits).")
        parser.add_argument("--test", action="store_true", help="Select nobody (a test run).")
        parser.add_argument(
            "--replacements",
            type=int,
            default=None,
            metavar="N",
            help="Draw N replacements for withdrawn panel members instead of a panel.",
        )
        parser.add_argument(
            "--panels",
            type=int,
            default=None,
            metavar="M",
            help="Transparent lottery: round the distribution to M equally likely tickets and "
            "draw the panel of one (drawn from the seed); stored with the run.",
        )
        parser.add_argument("--sync", action="store_true", help="Run in this process and wait.")

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = assembly_or_error(options["slug"])
        enqueue = not options["sync"]
        if options["panels"] is not None and options["replacements"] is not None:
            raise CommandError("--panels draws a panel or test run, not replacements.")
        try:
            if options["replacements"] is not None:
                run = replacements_select(
                    assembly_id=assembly.pk,
                    count=options["replacements"],
                    algorithm=options["algorithm"],
                    seed=options["seed"],
                    enqueue=enqueue,
                )
            else:
                run = selection_run_start(
                    assembly_id=assembly.pk,
                    kind=RunKind.TEST if options["test"] else RunKind.PANEL,
                    algorithm=options["algorithm"],
                    seed=options["seed"],
                    enqueue=enqueue,
                    panels=options["panels"],
                )
        except ServiceError as exc:
            raise service_error(exc) from exc
        self.stdout.write(f"run {run.pk}")
        if enqueue:
            if run.status == RunStatus.FAILED:  # the job queue could not take it
                raise CommandError(f"Selection run {run.pk} failed: {run.error}")
            self.stdout.write(f"Selection run {run.pk} is {run.status}; a worker will run it.")
            return
        if run.status == RunStatus.PENDING:
            run = selection_run_execute(run_id=run.pk)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Selection run {run.pk} {run.status}: {run.error}")
        report = run_report(run=run)
        assert report is not None  # a succeeded run has a report
        self.stdout.write(
            f"Selection run {run.pk} succeeded: {run.get_kind_display().lower()} of "
            f"{len(report.panel)} drawn by {run.algorithm} with seed {run.seed}"
        )
        if report.min_probability is not None:
            self.stdout.write(f"minimum selection probability: {report.min_probability:.4f}")
        if report.gini is not None:
            self.stdout.write(f"Gini coefficient: {report.gini:.4f}")
        if report.num_panels is not None:
            self.stdout.write(f"panels in the distribution: {report.num_panels}")
        if run.panels is not None:
            self.stdout.write(
                f"transparent lottery: ticket {run.ticket} of {run.panels}; largest change of "
                f"a selection probability {report.extra.get('max_probability_change', 0):.6f}"
            )
        self.stdout.write(f"input SHA-256: {run.input_sha256}")

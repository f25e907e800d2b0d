"""Command line: ``python -m selection select|check|verify``.

::

    python -m selection select --categories PATH --respondents PATH --panel-size K
        [--id-column NAME] [--household-columns A,B] [--algorithm leximin|maximin|nash|legacy]
        [--seed TEXT] [--output PANEL.csv] [--report REPORT.json]
        [--already-selected KEPT.csv] [--progress] [--panels M [--ticket K]]
    python -m selection check  --categories PATH --respondents PATH --panel-size K [...]
    python -m selection verify --report REPORT.json --categories PATH --respondents PATH
        [--already-selected KEPT.csv]
    python -m selection verify --bundle BUNDLE.json [--recompute]

Exit status: 0 success; 2 bad input (the message names file, line and column); 3 the quotas
cannot be met (the message lists the conflicting quotas and the smallest relaxation; a legacy
draw that keeps failing also exits 3); 4 the solver failed (a bug: please report it with the
inputs); for ``verify``, 1 when the report does not verify. PANEL.csv holds the selected
respondents' records unchanged, in input order. REPORT.json is
:meth:`SelectionResult.to_dict` plus the ``id_column``, ``household_columns`` and
``already_selected`` ids used (so ``verify`` can re-read the respondents).

Replacement draws: ``--already-selected KEPT.csv`` names people already on the panel, in the
respondents' format (same id and household columns; ``--id-column`` is required). They count
toward the quotas and toward ``--panel-size`` (the size of the whole panel), leave the pool
with everyone sharing their household (when household columns are given), and only the
people still missing are drawn (see :func:`selection.replacement.replacement_instance`);
PANEL.csv and the report hold the newly drawn people. ``verify`` needs the same file.

``--progress`` writes the overall progress to standard error, one line per change of
percentage or phase (``progress: 37% leximin (distribution)``), never going back.

Transparent lottery: ``--panels M`` rounds the distribution to M equally likely tickets
(:mod:`selection.transparent`) and prints each panel's ticket range, the seed and the largest
change of a selection probability. With ``--ticket K`` (the number picked in public, 1..M) it
draws ticket K's panel and writes the outputs; without it, it asks for the number on an
interactive terminal, and otherwise stops there (exit 0, nothing written) so the number can be
picked in public and the command run again with the printed ``--seed`` and ``--ticket K``.
REPORT.json then holds the lottery in ``extra`` and ``verify`` checks it.

BUNDLE.json is a verification bundle (:mod:`selection.bundle`), e.g. downloaded from a public
draw record: it holds the pseudonymous inputs and the report, so nothing else is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from selection.bundle import verify_bundle
from selection.engine import ALGORITHMS, select
from selection.errors import InfeasibleQuotas, InputError, SelectionError, SolverError
from selection.feasibility import check_feasibility
from selection.model import Pool, QuotaTable
from selection.readers import read_quotas
from selection.replacement import replacement_instance
from selection.respondents import read_respondents
from selection.transparent import lottery_text, ticket_apply
from selection.verification import verify

EXIT_OK, EXIT_UNVERIFIED, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER = 0, 1, 2, 3, 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m selection", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def inputs(p: argparse.ArgumentParser, panel: bool) -> None:
        p.add_argument("--categories", required=True, help="quota table CSV")
        p.add_argument("--respondents", required=True, help="respondents (pool) CSV")
        if panel:
            p.add_argument("--panel-size", required=True, help="number of people to select")
        p.add_argument("--id-column", default=None, help="id column (default: row number)")
        p.add_argument(
            "--household-columns", default=None, help="comma-separated household columns"
        )

    p = sub.add_parser("select", help="select a panel")
    inputs(p, True)
    p.add_argument("--algorithm", default="leximin", choices=ALGORITHMS)
    p.add_argument("--seed", default=None, help="text seed (default: 256 random bits)")
    p.add_argument("--output", default=None, help="write the panel's rows to this CSV")
    p.add_argument("--report", default=None, help="write the JSON report here")
    p.add_argument(
        "--already-selected",
        default=None,
        help="people already on the panel (respondents CSV); draw only the rest",
    )
    p.add_argument(
        "--progress", action="store_true", help="write the overall progress to standard error"
    )
    p.add_argument(
        "--panels", default=None, help="a transparent lottery over this many tickets (e.g. 1000)"
    )
    p.add_argument("--ticket", default=None, help="with --panels: the ticket picked in public")
    p = sub.add_parser("check", help="check that the quotas can be met")
    inputs(p, True)
    p = sub.add_parser("verify", help="verify a REPORT.json, or a verification bundle")
    p.add_argument("--bundle", default=None, help="a verification bundle (JSON)")
    p.add_argument("--report", default=None)
    p.add_argument("--categories", default=None, help="quota table CSV")
    p.add_argument("--respondents", default=None, help="respondents (pool) CSV")
    p.add_argument("--id-column", default=None, help="id column (default: row number)")
    p.add_argument("--household-columns", default=None, help="comma-separated household columns")
    p.add_argument("--panel-size", default=None)
    p.add_argument("--tolerance", type=float, default=1e-6)
    p.add_argument("--recompute", action="store_true", help="also re-run the algorithm (slow)")
    p.add_argument("--already-selected", default=None, help="the file the draw was given")
    return parser


def _panel_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(
            "--panel-size must be a whole number", column="--panel-size", value=text
        ) from None
    if value < 1:
        raise InputError("--panel-size must be at least 1", column="--panel-size", value=text)
    return value


def _whole(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{option} must be a whole number", column=option, value=text) from None
    if value < 1:
        raise InputError(f"{option} must be at least 1", column=option, value=text)
    return value


def _ask_ticket(m: int, out) -> int | None:
    """The ticket typed on an interactive terminal, or ``None`` when there is none."""
    if not sys.stdin.isatty():
        return None
    print(f"Pick a number from 1 to {m} in public and type it: ", end="", file=out, flush=True)
    return _whole(sys.stdin.readline().strip(), "--ticket")


def _columns(text: str | None) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


def _load(args: argparse.Namespace, id_column: str | None, house: list[str]):
    quotas = read_quotas(args.categories)
    respondents = read_respondents(
        args.respondents, quotas=quotas, id_column=id_column, household_columns=house
    )
    return quotas, respondents


def _replacements(
    args: argparse.Namespace,
    quotas: QuotaTable,
    pool: Pool,
    size: int,
    house: list[str],
    id_column: str | None,
) -> tuple[QuotaTable, Pool, int, list[str]]:
    """The instance of a replacement draw (unchanged without ``--already-selected``)."""
    if not args.already_selected:
        return quotas, pool, size, []
    if not id_column:
        raise InputError(
            "--already-selected needs --id-column, to match people across the two files",
            column="--id-column",
        )
    kept = read_respondents(
        args.already_selected, quotas=quotas, id_column=id_column, household_columns=house
    ).pool
    quotas, pool, size = replacement_instance(quotas, pool, size, kept, households=bool(house))
    return quotas, pool, size, kept.ids


class _Progress:
    """Writes ``progress: NN% phase`` lines to ``err`` when the percentage or phase changes."""

    def __init__(self, err) -> None:
        self.err = err
        self.last: tuple[int, str] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        state = (100 * done // max(total, 1), phase)
        if state != self.last:
            self.last = state
            print(f"progress: {state[0]}% {phase}", file=self.err, flush=True)


def _run(args: argparse.Namespace, out, err) -> int:
    if args.command == "verify" and args.bundle:
        try:
            bundle = json.loads(Path(args.bundle).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the bundle: {exc}", file=args.bundle) from exc
        outcome = verify_bundle(bundle, recompute=args.recompute, tolerance=args.tolerance)
        print(outcome.message(), file=out)
        return EXIT_OK if outcome.ok else EXIT_UNVERIFIED
    if args.command == "verify":
        if not (args.report and args.categories and args.respondents):
            raise InputError(
                "verify needs --bundle, or --report with --categories and --respondents"
            )
        try:
            report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the report: {exc}", file=args.report) from exc
        id_column = args.id_column or report.get("id_column")
        house = _columns(args.household_columns) or list(report.get("household_columns") or [])
        quotas, respondents = _load(args, id_column, house)
        pool = respondents.pool
        size = _panel_size(args.panel_size) if args.panel_size else None
        if args.already_selected:
            full = (
                size
                if size is not None
                else int(report.get("panel_size", 0)) + len(report.get("already_selected") or [])
            )
            quotas, pool, reduced, _ = _replacements(args, quotas, pool, full, house, id_column)
            size = reduced if size is not None else None
        outcome = verify(
            report, quotas, pool, size, tolerance=args.tolerance, recompute=args.recompute
        )
        print(outcome.message(), file=out)
        return EXIT_OK if outcome.ok else EXIT_UNVERIFIED
    house = _columns(args.household_columns)
    size = _panel_size(args.panel_size)
    quotas, respondents = _load(args, args.id_column, house)
    if args.command == "check":
        from selection.model import validate_instance  # lazy

        validate_instance(quotas, respondents.pool, size)
        report = check_feasibility(quotas, respondents.pool, size, households=bool(house))
        print(report.message(), file=out if report.feasible else err)
        return EXIT_OK if report.feasible else EXIT_INFEASIBLE
    quotas, pool, size, kept = _replacements(
        args, quotas, respondents.pool, size, house, args.id_column
    )
    panels, ticket = _whole(args.panels, "--panels"), _whole(args.ticket, "--ticket")
    if ticket is not None and panels is None:
        raise InputError("--ticket needs --panels", column="--ticket", value=args.ticket)
    result = select(
        quotas,
        pool,
        size,
        algorithm=args.algorithm,
        seed=args.seed,
        households=bool(house),
        progress=_Progress(err) if args.progress else None,
        panels=panels,
        ticket=ticket,
    )
    if panels is not None:
        print(lottery_text(result.extra, result.types), file=out)
        print(f"seed {result.seed}", file=out)
        if ticket is None:
            ticket = _ask_ticket(panels, out)
            if ticket is None:
                print(
                    f"Pick a number from 1 to {panels} in public, then run again with "
                    f"--seed {result.seed} --ticket NUMBER",
                    file=out,
                )
                return EXIT_OK
            result = ticket_apply(result, quotas, pool, ticket, source="public")
        print(f"ticket {ticket} of {panels}", file=out)
    if args.output:
        Path(args.output).write_text(respondents.panel_csv(result.panel), encoding="utf-8")
    data = result.to_dict()
    data["id_column"] = args.id_column
    data["household_columns"] = house
    data["already_selected"] = kept
    if args.report:
        Path(args.report).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    drawn = f"{len(result.panel)} of {len(pool)}"
    if kept:
        drawn = f"{len(result.panel)} replacements of {len(pool)} ({len(kept)} already selected)"
    print(
        f"Selected {drawn} with {result.algorithm} "
        f"in {result.seconds:.2f} s; minimum selection probability "
        f"{result.min_probability:.6f}; seed {result.seed}",
        file=out,
    )
    if not args.output:
        print("panel: " + ", ".join(result.panel), file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, out=None, err=None) -> int:
    """Run the command line; returns the exit status (0, 1, 2, 3 or 4)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        return _run(args, out, err)
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INPUT
    except InfeasibleQuotas as exc:
        print(exc.report.message(), file=err)
        return EXIT_INFEASIBLE
    except SolverError as exc:  # never the quotas' fault: a MIP decides infeasibility
        print(f"error: the solver failed ({exc}); please report this with the inputs", file=err)
        return EXIT_SOLVER
    except SelectionError as exc:  # e.g. the legacy greedy draw kept failing on these quotas
        print(f"error: {exc}", file=err)
        return EXIT_INFEASIBLE

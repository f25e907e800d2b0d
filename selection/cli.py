"""Command line: ``python -m selection select|check|verify``.

::

    python -m selection select --categories PATH --respondents PATH --panel-size K
        [--id-column NAME] [--household-columns A,B] [--algorithm leximin|maximin|nash|legacy]
        [--seed TEXT] [--output PANEL.csv] [--report REPORT.json]
    python -m selection check  --categories PATH --respondents PATH --panel-size K [...]
    python -m selection verify --report REPORT.json --categories PATH --respondents PATH
    python -m selection verify --bundle BUNDLE.json [--recompute]

Exit status: 0 success; 2 bad input (the message names file, line and column); 3 the quotas
cannot be met (the message lists the conflicting quotas and the smallest relaxation); for
``verify``, 1 when the report does not verify. (A legacy draw that keeps failing also exits
3.) PANEL.csv holds the selected respondents'
records unchanged, in input order. REPORT.json is :meth:`SelectionResult.to_dict` plus the
``id_column`` and ``household_columns`` used (so ``verify`` can re-read the respondents).
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
from selection.errors import InfeasibleQuotas, InputError, SelectionError
from selection.feasibility import check_feasibility
from selection.readers import read_quotas
from selection.respondents import read_respondents
from selection.verification import verify

EXIT_OK, EXIT_UNVERIFIED, EXIT_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


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


def _columns(text: str | None) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


def _load(args: argparse.Namespace, id_column: str | None, house: list[str]):
    quotas = read_quotas(args.categories)
    respondents = read_respondents(
        args.respondents, quotas=quotas, id_column=id_column, household_columns=house
    )
    return quotas, respondents


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
        size = _panel_size(args.panel_size) if args.panel_size else None
        outcome = verify(
            report,
            quotas,
            respondents.pool,
            size,
            tolerance=args.tolerance,
            recompute=args.recompute,
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
    result = select(
        quotas,
        respondents.pool,
        size,
        algorithm=args.algorithm,
        seed=args.seed,
        households=bool(house),
    )
    if args.output:
        Path(args.output).write_text(respondents.panel_csv(result.panel), encoding="utf-8")
    data = result.to_dict()
    data["id_column"] = args.id_column
    data["household_columns"] = house
    if args.report:
        Path(args.report).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(
        f"Selected {len(result.panel)} of {len(respondents.pool)} with {result.algorithm} "
        f"in {result.seconds:.2f} s; minimum selection probability "
        f"{result.min_probability:.6f}; seed {result.seed}",
        file=out,
    )
    if not args.output:
        print("panel: " + ", ".join(result.panel), file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, out=None, err=None) -> int:
    """Run the command line; returns the exit status (0, 1, 2 or 3)."""
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
    except SelectionError as exc:  # e.g. the legacy greedy draw kept failing on these quotas
        print(f"error: {exc}", file=err)
        return EXIT_INFEASIBLE

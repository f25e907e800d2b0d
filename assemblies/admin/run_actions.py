"""The actions on a selection run's page: cancel, verify, enter the public seed of a
ceremony, publish the draw record, void the panel and notify it.

A base of :class:`assemblies.admin.run.SelectionRunAdmin`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse

from assemblies.admin.base import MembershipAdmin
from assemblies.errors import InvalidInput
from assemblies.models import EmailKind, RunStatus, SelectionRun
from assemblies.selectors.emails import run_notify_plan
from assemblies.services.ceremony import selection_run_seed_enter
from assemblies.services.execution import selection_run_verify
from assemblies.services.notifications import panel_notify
from assemblies.services.records import selection_run_publish
from assemblies.services.runs import selection_run_cancel
from assemblies.services.voiding import VOID_REASON_MAX_LENGTH, selection_run_void
from opendlp.core.errors import DomainError


class RunActionsAdmin(MembershipAdmin):
    """The run page's actions, each a confirmation page or a POST back to the run page."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        name = "assemblies_selectionrun_"
        return [
            path("<int:run_id>/cancel/", view(self.cancel_view), name=f"{name}cancel"),
            path("<int:run_id>/verify/", view(self.verify_view), name=f"{name}verify"),
            path("<int:run_id>/publish/", view(self.publish_view), name=f"{name}publish"),
            path("<int:run_id>/seed/", view(self.seed_view), name=f"{name}seed"),
            path("<int:run_id>/void/", view(self.void_view), name=f"{name}void"),
            path("<int:run_id>/notify/", view(self.notify_view), name=f"{name}notify"),
            *super().get_urls(),
        ]

    def cancel_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """Confirm, then cancel a pending or running run."""
        run: SelectionRun = self.object_or_404(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            run = selection_run_cancel(run_id=run.pk, actor=request.user)
            if run.status == RunStatus.CANCELLED:
                self.message_user(request, "The run was cancelled.", messages.SUCCESS)
            elif run.cancel_requested and run.is_active:
                self.message_user(request, "Cancelling: the worker stops within seconds.")
            else:
                self.message_user(request, f"The run had already {run.status}.", messages.WARNING)
            return HttpResponseRedirect(page)
        return render(
            request,
            "admin/assemblies/confirm.html",
            self.page_context(
                request,
                "Cancel this run?",
                original=run,
                question=f"Cancel {run}? Nobody will be selected by it.",
                button="Cancel the run",
                cancel_url=page,
            ),
        )

    def verify_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """POST: re-draw from the stored seed and distribution and show the outcome."""
        run: SelectionRun = self.object_or_404(request, run_id)
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        try:
            outcome = selection_run_verify(run_id=run.pk, actor=request.user)
        except DomainError as exc:
            self.refuse(request, exc)
        else:
            if outcome.ok:
                self.message_user(
                    request,
                    "Verified: the same inputs and seed give the same panel.",
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request, "Verification FAILED: see the findings below.", messages.ERROR
                )
        return HttpResponseRedirect(page + "#verification")

    def seed_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """POST: the seed made in public (and witnesses) of a ceremony run; draws the panel."""
        run: SelectionRun = self.object_or_404(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            try:
                run = selection_run_seed_enter(
                    run_id=run.pk,
                    seed=request.POST.get("seed", ""),
                    witnesses=request.POST.get("witnesses", ""),
                    actor=request.user,
                    ticket=request.POST.get("ticket") or None,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                if run.status == RunStatus.SUCCEEDED:
                    self.message_user(
                        request,
                        f"The panel is drawn from the fixed distribution with seed {run.seed!r}.",
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(request, run.error or "The draw failed.", messages.ERROR)
        return HttpResponseRedirect(page)

    def publish_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """GET: ask for confirmation; POST: publish the run's public draw record."""
        run: SelectionRun = self.object_or_404(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            try:
                run = selection_run_publish(run_id=run.pk, actor=request.user)
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                public = reverse("assemblies:record", args=[run.assembly.slug, run.pk])
                self.message_user(
                    request, f"The draw record is public at {public}.", messages.SUCCESS
                )
            return HttpResponseRedirect(page)
        return render(
            request,
            "admin/assemblies/confirm.html",
            self.page_context(
                request,
                "Publish this draw record?",
                original=run,
                question=(
                    f"Publish the record of {run}? Anyone will see its seed, input digest, "
                    "figures, and each pool member's random id, answers and selection "
                    "probability (no names or contact details). A published record stays "
                    "public."
                ),
                button="Publish the draw record",
                cancel_url=page,
            ),
        )

    def void_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """GET: the confirmation page asking the reason; POST: void the panel
        (:func:`assemblies.services.voiding.selection_run_void`). A missing or invalid reason
        shows the form again; any other refusal goes back to the run page with its message."""
        run: SelectionRun = self.object_or_404(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        reason, error = "", ""
        if request.method == "POST":
            reason = request.POST.get("reason", "")
            try:
                run = selection_run_void(run_id=run.pk, reason=reason, actor=request.user)
            except InvalidInput as exc:
                error = str(exc)
            except DomainError as exc:
                self.refuse(request, exc)
                return HttpResponseRedirect(page)
            else:
                self.message_user(
                    request,
                    "The panel is voided: its members are back in the pool and a new panel run "
                    "can be started.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(page)
        return render(
            request,
            "admin/assemblies/selectionrun/void.html",
            self.page_context(
                request,
                "Void this panel?",
                original=run,
                run=run,
                reason=reason,
                error=error,
                max_length=VOID_REASON_MAX_LENGTH,
                cancel_url=page,
            ),
        )

    def notify_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """GET: who the notification writes to (counts per kind, the people without an email
        address to call, sends already made); POST: notify
        (:func:`assemblies.services.notifications.panel_notify`; a second POST sends nothing twice
        and resumes sends still queued or failed). Managers only."""
        run: SelectionRun = self.object_or_404(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            try:
                outcome = panel_notify(
                    run_id=run.pk,
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                    actor=request.user,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                to_call = len(outcome.without_email)
                have = "person has" if to_call == 1 else "people have"
                self.message_user(
                    request,
                    f"{outcome.created} emails created, {outcome.enqueued} handed to the mail "
                    f"queue; {to_call} {have} no email address: call them.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(page)
        plan = run_notify_plan(run=run)
        return render(
            request,
            "admin/assemblies/selectionrun/notify.html",
            self.page_context(
                request,
                "Notify the panel?",
                original=run,
                run=run,
                counts=[(EmailKind(kind).label, count) for kind, count in plan.counts.items()],
                recipients=len(plan.recipients),
                without_email=plan.without_email,
                sends=sorted(plan.sends.items()),
                can_notify=run.status == RunStatus.SUCCEEDED and run.voided_at is None,
                cancel_url=page,
            ),
        )

"""The claim screens: the list, the claim page (workflow panel, matches side by side, evidence,
comments, history), the desk overview and the bulk actions."""

from django.contrib import admin, messages
from django.db.models import Count, F, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from .. import claimreview, corrections, permissions, selectors, workflow
from ..access import claim_for
from ..errors import ClaimdeskError, InvalidInput, NotFound
from ..models import Article, Claim, ClaimMatch, MatchDecision, article_before
from .access import DeskAccess
from .claim_forms import (
    AssignForm,
    CheckworthinessFilter,
    CommentForm,
    CorrectionForm,
    DueFilter,
    EvidenceForm,
    FormInvalid,
    MineFilter,
    NotAClaimFilter,
    ProposeForm,
    ReopenForm,
    ReviewForm,
    ReviewSummaryForm,
    SplitForm,
    field_for,
    valid,
)
from .display import STATE_COLOURS, badge, marked_diff, verdict_badge


def _duration(hours: float) -> str:
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


def _earlier(a: Article, b: Article) -> bool:
    """Whether article ``a`` came before ``b`` (a match's "earlier" claim is the one of the
    earlier-ingested article; this says which was published first): ``models.article_before``."""
    return article_before(a, b)


def _in_context(claim, width=400):
    """The claim's paragraph around it (at most ``width`` characters either side, "…" where cut)."""
    body = claim.article.body
    lo = max(0, claim.start - width)
    para = body.rfind("\n\n", lo, claim.start)
    before = body[para + 2:claim.start] if para >= 0 else ("…" if lo else "") + body[lo:claim.start]
    hi = min(len(body), claim.end + width)
    para = body.find("\n\n", claim.end, hi)
    after = body[claim.end:para] if para >= 0 else body[claim.end:hi] + ("…" if hi < len(body) else "")
    return {"context_before": before, "context_after": after}


@admin.register(Claim)
class ClaimAdmin(DeskAccess, admin.ModelAdmin):
    change_form_template = "admin/claims/claim/change_form.html"
    # Fits at 1,366 px without cutting a word: the speaker column carries the attribution under the name.
    list_display = ["short_text", "state_display", "verdict_display", "assignee", "due_display", "worth_display",
                    "speaker_display", "match_count", "article_display"]
    list_filter = [MineFilter, "state", "verdict", "assignee", DueFilter, "attribution", CheckworthinessFilter,
                   "needs_rereview", NotAClaimFilter, "article"]
    # The claim's words and its speaker; an article's title only when asked for ("article: ICC"), since
    # every claim of an article mentioning a word in its title would match it otherwise.
    search_fields = ["text", "speaker__name"]
    search_help_text = "Searches the claim's text and speaker. “article: words” searches article titles."
    list_select_related = ["speaker", "assignee", "article"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["text", "article", "span", "speaker", "attribution"]}),
        ("Check-worthiness", {"fields": ["checkworthiness", "reasons"]}),
        ("Review", {"fields": ["state", "verdict", "verdict_note", "published_by", "published_at", "assignee", "due",
                               "proposed_verdict", "proposed_rationale", "no_evidence_found_display", "proposed_by",
                               "suggested_verdict", "suggested_from", "needs_rereview_display"]}),
    ]
    readonly_fields = [f for _, opts in fieldsets for f in opts["fields"]]
    actions = ["take_for_review", "bulk_assign", "bulk_propose", "bulk_approve", "merge_claims"]
    # Claims change only through the workflow panel and these actions, each claim checked again.
    action_rules = {"take_for_review": permissions.ASSIGN, "bulk_assign": permissions.ASSIGN,
                    "bulk_propose": permissions.PROPOSE, "bulk_approve": permissions.APPROVE,
                    "merge_claims": permissions.CORRECT}

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).annotate(_matches=Count("matches"))

    def get_object(self, request, object_id, from_field=None):
        """The claim through the one loader, ``claims.access.claim_for``: a malformed or unknown id, or a
        claim this user may not see, is a page that does not exist (404). What each step may do, the
        services decide."""
        if from_field not in (None, "id"):
            return super().get_object(request, object_id, from_field)
        try:
            return claim_for(request.user, object_id)
        except (InvalidInput, NotFound):
            raise Http404(f"no claim with id {object_id!r}") from None

    def get_search_results(self, request, queryset, search_term):
        head, sep, rest = search_term.partition(":")
        if sep and head.strip().lower() == "article":
            words = rest.split()
            for word in words:
                queryset = queryset.filter(article__title__icontains=word)
            return queryset, False
        return super().get_search_results(request, queryset, search_term)

    def get_ordering(self, request):
        if request.GET.get("mine") == "1":  # the reviewer's queue
            return [F("due").asc(nulls_last=True), "-checkworthiness", "id"]
        if request.GET.get("mine") == "approve":  # an editor's approval queue: oldest proposal first
            return [F("proposed_at").asc(nulls_last=True), "id"]
        return super().get_ordering(request)

    @admin.display(description="claim")
    def short_text(self, claim):
        return claim.text if len(claim.text) <= 300 else claim.text[:297] + "…"

    @admin.display(description="check-worthy", ordering="checkworthiness")
    def worth_display(self, claim):
        return f"{claim.checkworthiness:.2f}"  # two decimals fit the column; the claim page has the reasons

    @admin.display(description="speaker", ordering="speaker__name")
    def speaker_display(self, claim):
        return format_html('{}<br><span class="cd-attribution">{}</span>', claim.speaker or "—",
                           claim.get_attribution_display().lower())

    @admin.display(description="article", ordering="article__title")
    def article_display(self, claim):
        return format_html('<span class="cd-clamp" title="{}">{}</span>', claim.article.title, claim.article.title)

    @admin.display(description="state", ordering="state")
    def state_display(self, claim):
        return badge(claim.state, claim.get_state_display(), STATE_COLOURS)

    @admin.display(description="verdict", ordering="verdict")
    def verdict_display(self, claim):
        return verdict_badge(claim.verdict, claim.get_verdict_display())

    @admin.display(description="due", ordering="due")
    def due_display(self, claim):
        if not claim.due:
            return "—"
        text = timezone.localtime(claim.due).strftime("%d %b %H:%M")
        if claim.is_overdue:
            return format_html('<strong class="overdue" style="color:#b91c1c">overdue · {}</strong>', text)
        return text

    @admin.display(description="matches", ordering="_matches")
    def match_count(self, claim):
        return claim._matches

    @admin.display(description="span")
    def span(self, claim):
        return f"characters {claim.start}–{claim.end}"

    @admin.display(description="reasons")
    def reasons(self, claim):
        return ", ".join(claim.checkworthiness_reasons) or "—"

    # Booleans as words: a red cross beside "needs re-review" read as a warning.
    @admin.display(description="needs re-review")
    def needs_rereview_display(self, claim):
        return "yes" if claim.needs_rereview else "no"

    @admin.display(description="no evidence found")
    def no_evidence_found_display(self, claim):
        return "yes" if claim.no_evidence_found else "no"

    # --- the claim page: workflow panel, matches side by side, evidence, comments, history ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)  # a malformed or unknown id is a 404, never a ValueError
        user = request.user
        matches = []
        decisions = Prefetch("decisions", queryset=MatchDecision.objects.select_related("user").order_by("at", "id"))
        for m in (claim.matches.select_related("earlier__article", "earlier__speaker").prefetch_related(decisions)
                  .order_by("-score")):
            mine, theirs = marked_diff(claim.text, m.earlier.text)
            # The latest decision stands; the ones before it are shown beside it, never dropped.
            taken = [(d.decision, workflow.match_decision_text(d)) for d in m.decisions.all()]
            standing, decided = taken[-1] if taken else (None, "")
            matches.append({"match": m, "mine": mine, "theirs": theirs,
                            "when": "earlier" if _earlier(m.earlier.article, claim.article) else "later",
                            "verdict": verdict_badge(m.earlier.verdict, m.earlier.get_verdict_display()),
                            "standing": standing, "decided": decided,
                            "before": [text for _, text in reversed(taken[:-1])]})
        matches.sort(key=lambda row: row["standing"] == "reject")  # rejected ones last, still listed
        can = {
            "assign": (permissions.allowed(user, permissions.ASSIGN, claim)
                       and claim.state not in (Claim.State.PROPOSED, Claim.State.PUBLISHED)),
            "reopen": permissions.allowed(user, permissions.REOPEN, claim) and claim.state == Claim.State.PUBLISHED,
            "propose": permissions.allowed(user, permissions.PROPOSE, claim) and claim.state == Claim.State.IN_REVIEW,
            "review": (permissions.allowed(user, permissions.APPROVE, claim) and claim.state == Claim.State.PROPOSED
                       and claim.proposed_by_id != user.pk),
            "comment": permissions.allowed(user, permissions.COMMENT, claim),
            "correct": permissions.allowed(user, permissions.CORRECT, claim),
            "summarise": permissions.allowed(user, permissions.SUMMARISE, claim),
            "accept": workflow.suggestion_acceptable(claim=claim, user=user),
        }
        context = {
            "claim": claim,
            "can": can,
            "matches": matches,
            "assign_form": AssignForm(initial={"assignee": claim.assignee, "due": claim.due}, claim=claim),
            "reopen_form": ReopenForm(),
            "propose_form": ProposeForm(),
            "review_form": ReviewForm(),
            "correct_form": CorrectionForm.for_claim(claim),
            "split_form": SplitForm(),
            "summary_form": ReviewSummaryForm(initial={"summary": claim.review_summary}),
            "claim_reviewed": claimreview.claim_reviewed(summary=claim.review_summary, text=claim.text),
            "comment_form": CommentForm(),
            "evidence_form": EvidenceForm(),
            "assignments": claim.assignments.select_related("assignee", "assigned_by"),
            "quantity_rows": [{"value": f"{q.get('value'):,.15g}" if isinstance(q.get("value"), (int, float)) else "",
                               "unit": q.get("unit") or "", "text": q.get("text", "")}
                              for q in claim.quantities if isinstance(q, dict)],
            **_in_context(claim),
            "own_proposal": claim.state == Claim.State.PROPOSED and claim.proposed_by_id == user.pk,
        }
        return super().change_view(request, object_id, form_url, extra_context={**context, **(extra_context or {})})

    def get_urls(self):
        return [
            path("<int:claim_id>/workflow/<str:step>/", self.admin_site.admin_view(self.workflow_view),
                 name="claims_claim_workflow"),
            path("overview/", self.admin_site.admin_view(self.overview_view), name="claims_claim_overview"),
        ] + super().get_urls()

    # The workflow forms of the claim page: step -> (context name, form class).
    STEP_FORMS = {"assign": ("assign_form", AssignForm), "propose": ("propose_form", ProposeForm),
                  "approve": ("review_form", ReviewForm), "send-back": ("review_form", ReviewForm),
                  "comment": ("comment_form", CommentForm), "evidence": ("evidence_form", EvidenceForm),
                  "reopen": ("reopen_form", ReopenForm), "correct": ("correct_form", CorrectionForm),
                  "split": ("split_form", SplitForm),
                  "summary": ("summary_form", ReviewSummaryForm)}

    def workflow_view(self, request, claim_id, step):
        """One workflow step posted from the claim page; the services decide whether it is allowed.

        Done: back to the claim page with a message. Refused: the claim page again, with what was
        typed and the error beside its field (or above the form), and the error as a message."""
        claim = self.get_object(request, claim_id)
        back = HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))
        if request.method != "POST":
            return back
        user = request.user
        form = None
        if step in self.STEP_FORMS:
            form_class = self.STEP_FORMS[step][1]
            form = form_class(request.POST, claim=claim) if form_class is AssignForm else form_class(request.POST)
        try:
            if step == "assign":
                data = valid(form).cleaned_data
                workflow.claim_assign(claim=claim, user=user, assignee=data["assignee"], due=data["due"])
                done = "Assignment saved."
            elif step == "reopen":
                data = valid(form).cleaned_data
                workflow.claim_reopen(claim=claim, user=user, reason=data["reason"], assignee=data["assignee"],
                                      due=data["due"])
                done = "Claim reopened for review; its published verdict stands until a new one is approved."
            elif step == "correct":
                data = valid(form).cleaned_data
                corrections.claim_correct(claim=claim, user=user, speaker=data["speaker"],
                                          speaker_name=data["speaker_name"], speaker_kind=data["speaker_kind"],
                                          attribution=data["attribution"], start=data["start"], end=data["end"],
                                          not_a_claim=data["not_a_claim"])
                done = "Correction saved (see the claim's audit trail); its matches were searched again."
            elif step == "split":
                data = valid(form).cleaned_data
                span = claim.article.body[claim.start:claim.end]
                at = corrections.split_offset(span, words=data["words"], first_part=data["first_part"])
                _, new = corrections.claim_split(claim=claim, user=user, at=at)
                done = f"Claim split: the second part is claim #{new.pk}; matching was redone for both."
            elif step == "summary":
                corrections.claim_set_review_summary(claim=claim, user=user,
                                                     summary=valid(form).cleaned_data["summary"])
                done = "ClaimReview summary saved."
            elif step == "propose":
                data = valid(form).cleaned_data
                workflow.claim_propose(claim=claim, user=user, verdict=data["verdict"], rationale=data["rationale"],
                                       evidence=form.evidence(), no_evidence_found=data["no_evidence_found"])
                done = self._with_next("Verdict proposed; it now awaits a second review by another editor.",
                                       selectors.claim_queue_next(user=user, after_id=claim.pk), "in your queue")
            elif step == "approve":
                workflow.claim_approve(claim=claim, user=user, comment=valid(form).cleaned_data["comment"])
                upcoming = selectors.claim_approval_next(user=user, after_id=claim.pk)
                done = self._with_next("Verdict approved and published.",
                                       upcoming or selectors.claim_queue_next(user=user, after_id=claim.pk),
                                       "waiting for your approval" if upcoming else "in your queue")
            elif step == "send-back":
                workflow.claim_send_back(claim=claim, user=user, comment=valid(form).cleaned_data["comment"])
                done = "Sent back to the reviewer."
            elif step == "comment":
                workflow.claim_comment(claim=claim, user=user, text=valid(form).cleaned_data["comment"])
                done = "Comment added."
            elif step == "evidence":
                workflow.claim_add_evidence(claim=claim, user=user, **valid(form).cleaned_data)
                done = "Evidence added."
            elif step == "accept-suggestion":
                workflow.claim_accept_suggestion(claim=claim, user=user)
                done = "Carried-over verdict proposed; it now awaits a second review."
            elif step in ("confirm-match", "reject-match"):
                match_id = request.POST.get("match", "")
                if not (match_id.isascii() and match_id.isdigit() and len(match_id) < 19):
                    raise ClaimdeskError(f"match must be a match id, got {match_id!r}")
                match = get_object_or_404(ClaimMatch, pk=int(match_id), claim=claim)
                made = workflow.match_decide(match=match, user=user, decision=step.split("-")[0])
                if not made.created:
                    messages.info(request, f"Match with claim #{match.earlier_id} already "
                                           f"{workflow.match_decision_text(made)}; nothing changed.")
                    return back
                done = f"Match with claim #{match.earlier_id} {workflow.match_decision_text(made)}."
            else:
                raise ClaimdeskError(f"unknown step {step!r}")
        except ClaimdeskError as exc:
            return self._refused(request, claim, step, form, exc)
        messages.success(request, done)
        return back

    @staticmethod
    def _with_next(done, upcoming, where):
        """The success message, with the way on to the next claim (or word that there is none)."""
        if upcoming is None:
            return format_html("{} No more claims {}.", done, where)
        return format_html('{} <a href="{}" id="next-claim">Next claim {}: #{}</a>', done,
                           reverse("admin:claims_claim_change", args=[upcoming.pk]), where, upcoming.pk)

    def _refused(self, request, claim, step, form, exc):
        # Said once: what was typed wrong beside its field (or above its form), anything else (not
        # allowed, not in this state) as a message, since the form may not even be shown now.
        extra = {"refused_step": step}
        if form is not None:
            if isinstance(exc, InvalidInput) and not isinstance(exc, FormInvalid):
                form.add_error(field_for(exc.message, form), exc.message)
            extra[self.STEP_FORMS[step][0]] = form
        if form is None or not isinstance(exc, InvalidInput):
            messages.error(request, exc.message)
        request.method = "GET"  # shown as the claim page, never taken for a post of the admin's own form
        return self.change_view(request, str(claim.pk), extra_context=extra)

    def overview_view(self, request):
        """The desk at a glance: claims per state and per reviewer, overdue, time to a published verdict."""
        desk = selectors.desk_overview(user=request.user)
        median = desk["median_hours"]
        context = {
            **self.admin_site.each_context(request),
            "title": "Desk overview",
            "states": [(value, label, desk["per_state"][value], STATE_COLOURS[value])
                       for value, label in Claim.State.choices],
            "per_reviewer": desk["per_reviewer"],
            "overdue": desk["overdue"],
            "rereview": desk["rereview"],
            "median_hours": median,
            "median_display": _duration(median) if median is not None else "",
            "published_count": desk["published_count"],
            "verdicts": desk["verdicts"],
            "match_precision": desk["match_precision"],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/claims/overview.html", context)

    # --- bulk actions: each claim goes through the same services and writes its own audit record ---

    def _each(self, request, queryset, fn, done):
        ok = 0
        for claim in queryset:
            try:
                fn(claim)
                ok += 1
            except ClaimdeskError as exc:
                messages.error(request, f"Claim #{claim.pk}: {exc.message}")
        if ok:
            messages.success(request, f"{ok} claim(s) {done}.")

    @admin.action(description="Take selected claims for review (assign to me)")
    def take_for_review(self, request, queryset):
        self._each(request, queryset,
                   lambda c: workflow.claim_assign(claim=c, user=request.user, assignee=request.user, due=c.due),
                   "assigned to you")

    def _intermediate(self, request, queryset, form_class, action, title, apply):
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                apply(form)
                return None
        else:
            form = form_class()
        return render(request, "admin/claims/claim/bulk_form.html", {
            **self.admin_site.each_context(request), "title": title, "form": form, "claims": queryset,
            "action": action, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Assign selected claims…")
    def bulk_assign(self, request, queryset):
        def apply(form):
            self._each(request, queryset, lambda c: workflow.claim_assign(
                claim=c, user=request.user, assignee=form.cleaned_data["assignee"], due=form.cleaned_data["due"]),
                "assigned")
        return self._intermediate(request, queryset, AssignForm, "bulk_assign", "Assign claims", apply)

    @admin.action(description="Propose a verdict for selected claims…")
    def bulk_propose(self, request, queryset):
        def apply(form):
            self._each(request, queryset, lambda c: workflow.claim_propose(
                claim=c, user=request.user, verdict=form.cleaned_data["verdict"],
                rationale=form.cleaned_data["rationale"], evidence=form.evidence(),
                no_evidence_found=form.cleaned_data["no_evidence_found"]), "proposed for second review")
        return self._intermediate(request, queryset, ProposeForm, "bulk_propose", "Propose a verdict", apply)

    @admin.action(description="Approve proposed verdicts of selected claims (second review)")
    def bulk_approve(self, request, queryset):
        self._each(request, queryset, lambda c: workflow.claim_approve(claim=c, user=request.user), "published")

    @admin.action(description="Merge selected claims (adjacent, one article)")
    def merge_claims(self, request, queryset):
        try:
            merged = corrections.claim_merge(claims=list(queryset), user=request.user)
        except ClaimdeskError as exc:
            messages.error(request, f"Not merged: {exc.message}")
            return
        messages.success(request, format_html('Merged into <a href="{}">claim #{}</a>; matching was redone.',
                                              reverse("admin:claims_claim_change", args=[merged.pk]), merged.pk))

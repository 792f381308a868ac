"""The claim list's filters and the claim page's forms (assign, propose, review, evidence,
corrections, split), with the helpers that show a refused form again."""


from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from .. import claimreview, permissions
from ..errors import InvalidInput
from ..models import Claim, Speaker
from .display import desk_users


class CheckworthinessFilter(admin.SimpleListFilter):
    title = "check-worthiness"
    parameter_name = "worth"

    def lookups(self, request, model_admin):
        t = settings.CLAIMDESK_CHECKWORTHY_THRESHOLD
        return [("desk", f"Check-worthy (≥ {t:.2f}, the desk threshold)"), ("below", "Below the desk threshold"),
                ("high", "High (≥ 0.7)"), ("medium", "Medium (0.4–0.7)"), ("low", "Low (< 0.4)")]

    def queryset(self, request, queryset):
        t = settings.CLAIMDESK_CHECKWORTHY_THRESHOLD
        bounds = {"desk": (t, 1.01), "below": (-0.01, t),
                  "high": (0.7, 1.01), "medium": (0.4, 0.7), "low": (-0.01, 0.4)}.get(self.value())
        if bounds:
            return queryset.filter(checkworthiness__gte=bounds[0], checkworthiness__lt=bounds[1])
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("today", "Due in the next 24 hours"), ("none", "No due time")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.overdue(now)
        if self.value() == "today":
            return queryset.filter(due__gte=now, due__lt=now + timezone.timedelta(hours=24))
        if self.value() == "none":
            return queryset.filter(due__isnull=True)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        mine = [("1", "My claims")]
        if permissions.allowed(request.user, permissions.APPROVE):
            mine.append(("approve", "Waiting for my approval"))
        return mine

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(assignee=request.user).exclude(state=Claim.State.PUBLISHED).queue_order()
        if self.value() == "approve":  # proposed by someone else: the second review is this editor's to give
            return (queryset.filter(state=Claim.State.PROPOSED).exclude(proposed_by=request.user)
                    .order_by(F("proposed_at").asc(nulls_last=True), "id"))
        return queryset


DUE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _clean_due(due, current=None):
    """A due time from now on; an unchanged one (already past, say) may be saved again as it is."""
    if due is not None and due != current and due < timezone.now():
        raise forms.ValidationError(
            f"{timezone.localtime(due):%d %b %Y %H:%M} is in the past: give a due time from now on.")
    return due


class NotAClaimFilter(admin.SimpleListFilter):
    """Claims marked "not a claim" are hidden from the list unless asked for."""

    title = "not a claim"
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return [("only", "Only those marked “not a claim”"), ("all", "Claims and those marked “not a claim”")]

    def queryset(self, request, queryset):
        if self.value() == "only":
            return queryset.filter(not_a_claim=True)
        if self.value() == "all":
            return queryset
        return queryset.filter(not_a_claim=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                      help_text="Empty unassigns. Only editors and reviewers can be assigned.")
    due = forms.DateTimeField(required=False, widget=DUE_WIDGET, help_text="Optional.")

    def __init__(self, *args, claim=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.claim = claim
        self.fields["assignee"].queryset = desk_users()

    def clean_due(self):
        return _clean_due(self.cleaned_data.get("due"), self.claim.due if self.claim else None)


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept as a comment and in the audit.")
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                      help_text="Empty: the claim waits unassigned.")
    due = forms.DateTimeField(required=False, widget=DUE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_reopen_%s", **kwargs)
        self.fields["assignee"].queryset = desk_users()

    def clean_due(self):
        return _clean_due(self.cleaned_data.get("due"))


class ProposeForm(forms.Form):
    # No verdict preselected: one careless click must not send "verified" to a second review.
    verdict = forms.ChoiceField(choices=[("", "— choose a verdict —")]
                                + [(v, Claim.Verdict(v).label) for v in Claim.PROPOSABLE])
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.URLField(required=False, assume_scheme="https", label="Evidence URL")
    evidence_title = forms.CharField(required=False, label="Evidence title")
    no_evidence_found = forms.BooleanField(required=False, label="No evidence found (unattributed only)")

    def evidence(self):
        url = self.cleaned_data.get("evidence_url")
        return [{"url": url, "title": self.cleaned_data.get("evidence_title", "")}] if url else []


class CommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReviewForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              label="Comment (required to send back)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_review_%s", **kwargs)


class EvidenceForm(forms.Form):
    url = forms.URLField(assume_scheme="https", label="URL")
    title = forms.CharField(required=False)
    note = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_ev_%s", **kwargs)


class CorrectionForm(forms.Form):
    speaker = forms.ModelChoiceField(queryset=Speaker.objects.order_by("name"), required=False,
                                     empty_label="— no speaker —", help_text="A known speaker…")
    speaker_name = forms.CharField(required=False, max_length=300, label="or a new speaker",
                                   help_text="…or a name not on the list (used instead of the list).")
    speaker_kind = forms.ChoiceField(choices=[("", "—")] + list(Speaker.Kind.choices), required=False,
                                     label="new speaker is a")
    attribution = forms.ChoiceField(choices=Claim.Attribution.choices)
    start = forms.IntegerField(min_value=0, help_text="Character offsets in the article: the claim is body[start:end].")
    end = forms.IntegerField(min_value=1)
    not_a_claim = forms.BooleanField(required=False, label="Not a claim (hidden from lists and exports)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_correct_%s", **kwargs)

    @classmethod
    def for_claim(cls, claim):
        return cls(initial={"speaker": claim.speaker_id, "attribution": claim.attribution, "start": claim.start,
                            "end": claim.end, "not_a_claim": claim.not_a_claim})

    def clean(self):
        data = super().clean()
        if data.get("speaker_name", "").strip() and not data.get("speaker_kind"):
            self.add_error("speaker_kind", "Say whether the new speaker is a person, an organisation or anonymous.")
        return data


class ReviewSummaryForm(forms.Form):
    # The service's limit, shown (the input's maxlength, the help text), and its rules and words.
    summary = forms.CharField(
        required=False, label="ClaimReview summary", max_length=claimreview.SUMMARY_LIMIT,
        error_messages={"max_length": claimreview.SUMMARY_TOO_LONG},
        widget=forms.TextInput(attrs={"size": claimreview.SUMMARY_LIMIT}),
        help_text=f"What the claim says, {claimreview.SUMMARY_LIMIT} characters at most, without the verdict "
                  "(schema.org claimReviewed). Empty: the claim cut at a word boundary.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_summary_%s", **kwargs)

    def clean_summary(self):
        problem = claimreview.summary_problem(self.cleaned_data["summary"])
        if problem:
            raise forms.ValidationError(problem)
        return self.cleaned_data["summary"]


class SplitForm(forms.Form):
    words = forms.IntegerField(required=False, min_value=1, label="Cut after word",
                               help_text="The first part keeps this many words…")
    first_part = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="or the first part",
                                 help_text="…or type (or paste) the first part as it begins the claim.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_split_%s", **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("words") is None and not (data.get("first_part") or "").strip():
            self.add_error("words", "Give the number of words of the first part, or type the first part.")
        return data


class FormInvalid(InvalidInput):
    """A workflow form with errors beside its fields (the claim page is shown again with the input)."""


def valid(form):
    if not form.is_valid():
        raise FormInvalid("Not saved: correct the errors shown beside the fields.")
    return form


def field_for(message: str, form) -> str | None:
    """The field a service's refusal is about, so the error shows beside it (else above the form)."""
    m = message.lower()
    for words, field in ((("evidence", "url"), "evidence_url"), (("rationale",), "rationale"),
                         (("verdict",), "verdict"), (("due",), "due"), (("reason",), "reason"),
                         (("comment",), "comment"), (("url",), "url"), (("speaker",), "speaker_name"),
                         (("span", "start", "end"), "start"), (("title",), "title"),
                         (("summary",), "summary"), (("typed first part",), "first_part"),
                         (("words", "cut", "both parts"), "words")):
        if field in form.fields and any(w in m for w in words):
            return field
    return None

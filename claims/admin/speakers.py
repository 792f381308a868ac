"""The speaker screens: the list, a speaker's page (its name and kind corrected there by editors),
and merging two records of one person."""


from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import render

from .. import permissions, selectors, speakers
from ..errors import ClaimdeskError
from ..models import Claim, Speaker
from .access import DeskAccess
from .display import VERDICT_COLOURS, verdict_badge


class SpeakerMergeForm(forms.Form):
    keep = forms.ModelChoiceField(queryset=Speaker.objects.none(), widget=forms.RadioSelect, empty_label=None,
                                  label="Keep this record",
                                  help_text="The others' claims move to it, their names become its aliases, "
                                            "and their records are deleted (audited).")

    def __init__(self, *args, speakers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = speakers if speakers is not None else Speaker.objects.none()


class SpeakerEditForm(forms.ModelForm):
    """The name and kind an editor corrects; ``speakers.speaker_update`` writes them."""

    class Meta:
        model = Speaker
        fields = ["name", "kind"]

    def clean(self):
        data = super().clean()
        name = " ".join((data.get("name") or "").split())
        kind = data.get("kind")
        if name and kind:
            taken = Speaker.objects.filter(name=name, kind=kind).exclude(pk=self.instance.pk).first()
            if taken:
                raise forms.ValidationError(f"Speaker #{taken.pk} is already {name} ({kind}): merge the two "
                                            "records instead (“Merge selected speakers” in the speaker list).")
        return data

    def validate_unique(self):
        pass  # said once, in clean(), with the way out (a merge)


@admin.register(Speaker)
class SpeakerAdmin(DeskAccess, admin.ModelAdmin):
    change_form_template = "admin/claims/speaker/change_form.html"
    list_display = ["name", "kind", "aliases", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases"]
    actions = ["merge_speakers"]
    action_rules = {"merge_speakers": permissions.MERGE_SPEAKERS}
    change_action = permissions.EDIT_SPEAKER
    form = SpeakerEditForm
    fields = ["name", "kind", "aliases", "key"]
    readonly_fields = ["aliases", "key"]

    def save_model(self, request, obj, form, change):
        """A correction of the name or kind, through the service (audited on the speaker and its claims)."""
        try:
            speakers.speaker_update(speaker=obj, user=request.user, name=form.cleaned_data["name"],
                                            kind=form.cleaned_data["kind"])
        except ClaimdeskError as exc:
            request._speaker_refused = True
            messages.error(request, f"Not saved: {exc.message}")

    def response_change(self, request, obj):
        if getattr(request, "_speaker_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def log_change(self, request, obj, message):
        return None  # the audit trail records the correction

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=Count("claims"))

    @admin.display(description="claims", ordering="_claims")
    def claim_count(self, speaker):
        return speaker._claims

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The speaker page: verdict counts, verdicts per month and their claims, newest first."""
        try:
            speaker = selectors.speaker_get(speaker_id=object_id, user=request.user)
        except ClaimdeskError:  # unknown, or no desk role: Django's own answer
            return super().change_view(request, object_id, form_url, extra_context)
        verdicts = [(v, label, getattr(speaker, f"n_{v}"), VERDICT_COLOURS[v]) for v, label in Claim.Verdict.choices]
        months = [{**row, "cells": [row[v] for v in Claim.Verdict.values]}
                  for row in selectors.speaker_verdicts_by_month(speaker_id=speaker.pk, user=request.user)]
        claims = selectors.speaker_claims(speaker_id=speaker.pk, user=request.user)[:500]
        context = {"speaker": speaker, "verdicts": verdicts, "months": months, "verdict_labels": Claim.Verdict.labels,
                   "speaker_claims": [(c, verdict_badge(c.verdict, c.get_verdict_display())) for c in claims]}
        return super().change_view(request, object_id, form_url, extra_context={**context, **(extra_context or {})})

    @admin.action(description="Merge selected speakers…")
    def merge_speakers(self, request, queryset):
        """Two (or more) records of the same person: the editor picks the one to keep."""
        chosen = queryset.order_by("name", "id")
        if chosen.count() < 2:
            messages.error(request, "Select at least two speakers to merge.")
            return None
        form = SpeakerMergeForm(request.POST if "apply" in request.POST else None, speakers=chosen)
        if "apply" in request.POST and form.is_valid():
            keep = form.cleaned_data["keep"]
            merged = []
            for other in chosen.exclude(pk=keep.pk):
                try:
                    speakers.speaker_merge(keep=keep, merge=other, user=request.user)
                    merged.append(other.name)
                except ClaimdeskError as exc:
                    messages.error(request, f"{other.name}: {exc.message}")
            if merged:
                messages.success(request, f"Merged {', '.join(merged)} into {keep.name}.")
            return None
        return render(request, "admin/claims/speaker/merge_form.html", {
            **self.admin_site.each_context(request), "title": "Merge speakers", "form": form, "speakers": chosen,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

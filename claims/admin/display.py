"""What several screens show the same way: verdict and state badges, the desk's users, a word diff."""

import difflib
import re

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.html import format_html, format_html_join

VERDICT_COLOURS = {
    "unreviewed": "#6b7280",
    "verified": "#15803d",
    "disputed": "#b91c1c",
    "unattributed": "#b45309",
}
STATE_COLOURS = {"unreviewed": "#6b7280", "in_review": "#1d4ed8", "proposed": "#7c3aed", "published": "#15803d"}


def badge(value, label, colours):
    return format_html(
        '<span class="badge badge-{}" style="color:#fff;background:{};padding:1px 7px;border-radius:8px;'
        'white-space:nowrap">{}</span>', value, colours.get(value, "#6b7280"), label,
    )


def verdict_badge(verdict, label=None):
    return badge(verdict, label or verdict, VERDICT_COLOURS)


def desk_users():
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(groups__name__in=["editor", "reviewer"]) | Q(is_superuser=True)).distinct().order_by("username"))


_WORD = re.compile(r"\S+")


def marked_diff(a: str, b: str):
    """Both texts with the words that differ between them wrapped in <mark>."""
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    out_a, out_b = [], []
    norm = lambda words: [re.sub(r"\W", "", w.lower()) or w for w in words]  # noqa: E731
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=norm(wa), b=norm(wb), autojunk=False).get_opcodes():
        if op == "equal":
            out_a.append(format_html("{} ", " ".join(wa[i1:i2])))
            out_b.append(format_html("{} ", " ".join(wb[j1:j2])))
        else:
            if i2 > i1:
                out_a.append(format_html("<mark>{}</mark> ", " ".join(wa[i1:i2])))
            if j2 > j1:
                out_b.append(format_html("<mark>{}</mark> ", " ".join(wb[j1:j2])))
    join = lambda parts: format_html_join("", "{}", ((p,) for p in parts))  # noqa: E731
    return join(out_a), join(out_b)

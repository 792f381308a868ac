"""Query parameters of the list endpoints: django-filter sets (validated, so a bad value is a 400 naming
the parameter, and documented in the schema) and the cursor pagination they feed."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from claims import selectors
from claims.errors import InvalidInput
from claims.models import Claim

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
# A reviewer's queue puts claims without a due date last; the cursor needs a plain value to compare.
_NO_DUE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class DeskFilterBackend(DjangoFilterBackend):
    """django-filter, with a refusal in the desk's error shape: ``{"detail": "verdict: ..."}``."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise InvalidInput("; ".join(f"{name}: {' '.join(map(str, errors))}"
                                         for name, errors in filterset.errors.items()))
        return filterset.qs


class ClaimFilter(django_filters.FilterSet):
    """``GET /api/claims/``: what a list screen filters on. Without ``ordering`` the list is in reading
    order (article, then position), or queue order with ``assignee=me`` (earliest due first, no due
    date last, then most check-worthy)."""

    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text="`me` (your queue, in queue order) or a username")
    verdict = django_filters.ChoiceFilter(choices=Claim.Verdict.choices, help_text="published verdict")
    state = django_filters.ChoiceFilter(choices=Claim.State.choices, help_text="workflow state")
    article = django_filters.NumberFilter(field_name="article_id", help_text="article id")
    attribution = django_filters.ChoiceFilter(choices=Claim.Attribution.choices)
    overdue = django_filters.ChoiceFilter(
        choices=[(v, v) for v in _TRUE + _FALSE], method="filter_overdue",
        help_text="past due and not published (true) or not (false)")
    checkworthiness_min = django_filters.NumberFilter(
        field_name="checkworthiness", lookup_expr="gte", help_text="check-worthiness at least (0 to 1)")
    checkworthiness_max = django_filters.NumberFilter(
        field_name="checkworthiness", lookup_expr="lte", help_text="check-worthiness at most (0 to 1)")
    ordering = django_filters.OrderingFilter(
        fields=(("id", "id"), ("checkworthiness", "checkworthiness"), ("article_id", "article")),
        help_text="sort key, `-` for descending; ties are broken by id",
    )

    class Meta:
        model = Claim
        fields = []

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        try:
            user = selectors.user_get_by_username(username=value)
        except InvalidInput as exc:
            raise InvalidInput(f"assignee: {exc.message}") from None
        return queryset.filter(assignee=user)

    def filter_overdue(self, queryset, name, value):
        return selectors.claim_list_overdue(queryset, value in _TRUE)

    @property
    def qs(self):
        qs = super().qs
        if self.form.cleaned_data.get("ordering"):  # already applied, by the sort keys it names
            return qs.order_by(*qs.query.order_by, "id")
        if self.form.cleaned_data.get("assignee") == "me":
            return qs.annotate(queue_due=Coalesce(F("due"), Value(_NO_DUE))).order_by(
                "queue_due", "-checkworthiness", "id")
        return qs.order_by("article_id", "start", "id")


class DeskCursorPagination(CursorPagination):
    """Cursor pages (``next``, ``previous``, ``results``) in whatever order the filters chose: the first
    sort key is the cursor's position, ties are counted past. A cursor that is not ours is a 400."""

    # 50 rows: what a desk screen shows at once; ``?page_size=`` asks for up to 500. (100 doubled the
    # cost of the most frequent request, bench/load.py.)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)

    def get_ordering(self, request, queryset, view):
        ordering = tuple(o for o in queryset.query.order_by if isinstance(o, str))
        return ordering or self.ordering

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (NotFound, ValueError, TypeError, OverflowError, DjangoValidationError):
            raise InvalidInput("cursor: not a cursor this list gave out") from None

"""What every API module shares: the refusals an operation documents, path parameters, validating
input, page-number pages, and a claim's detail answer."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from claims import selectors
from claims.errors import InvalidInput

from .serializers import ClaimDetailSerializer, ErrorSerializer

WHY = {
    400: "an invalid value (the message names it)",
    401: "not signed in",
    403: "no desk role, or not allowed (for this claim)",
    404: "an unknown id",
    409: "a transition the claim's state does not allow (or, for an export, a setting the server lacks)",
}
READ = (400, 401, 403)


def errors(*codes):
    """The refusals an operation can answer, each ``{"detail": "..."}``."""
    return {code: OpenApiResponse(ErrorSerializer, description=WHY[code]) for code in codes}


def id_param(name, what):
    """A path parameter holding an id, as the schema shows it."""
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=f"the {what}'s id")


CLAIM_ID = id_param("claim_id", "claim")


def _flatten(errors, prefix=""):
    """DRF's nested error structure as "evidence[0].url: This field is required." lines.

    A list's errors come keyed by the item's index (DRF 3.18's LIST_SERIALIZER_ERRORS_AS_DICT)."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, name)
    else:
        yield f"{prefix}: {' '.join(map(str, errors if isinstance(errors, list) else [errors]))}"


def valid(serializer_class, data):
    """The validated data, or ``InvalidInput`` naming every field that is wrong, one "field: why" each."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise InvalidInput("; ".join(_flatten(serializer.errors)))
    return serializer.validated_data


def paginate(request, queryset, serializer_class, **kwargs):
    """One page-number page (``?page=``) of ``queryset``, serialised."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer_class(page, many=True, **kwargs).data)


def claim_detail_response(claim, code=status.HTTP_200_OK):
    """The claim as ``GET /api/claims/{id}/`` shows it, re-read after a write (access was checked before it)."""
    return Response(ClaimDetailSerializer.row(selectors.claim_page_rows(claim_id=claim.pk)), status=code)

"""REST endpoints for articles from the web: feeds (list with progress, follow one) and links."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import permissions, sources
from claims.errors import NotFound
from claims.models import Link

from .serializers import FeedInSerializer, FeedSerializer, LinkSerializer, page_of


def _get(qs, pk, what):
    obj = qs.filter(pk=int(pk)).first() if str(pk).isdigit() else None
    if obj is None:
        raise NotFound(f"{what} {pk} does not exist")
    return obj


def _doc(*args, **kwargs):
    from .views import errors

    return errors(*args, **kwargs)


def _id(name, what):
    from .views import _id

    return _id(name, what)


@extend_schema(methods=["GET"], operation_id="feeds_list",
               responses={200: page_of(FeedSerializer, "PaginatedFeedList"), **_doc(400, 401, 403, 404)})
@extend_schema(methods=["POST"], request=FeedInSerializer, responses={
    201: OpenApiResponse(FeedSerializer, description="followed, polled at once"),
    200: OpenApiResponse(FeedSerializer, description="already followed"), **_doc(400, 401, 403)})
@api_view(["GET", "POST"])
def feed_list(request):
    """GET: the feeds with their progress. POST (editors) ``{"url", "title"}``: follow a feed, polled at once."""
    from .views import _paginate, _valid

    if request.method == "GET":
        return _paginate(request, sources.feed_list_with_stats().order_by("id"), FeedSerializer)
    permissions.check(request.user, permissions.INGEST)
    data = _valid(FeedInSerializer, request.data)
    feed, created = sources.feed_add(user=request.user, **data)
    feed = sources.feed_list_with_stats().get(pk=feed.pk)
    return Response(FeedSerializer(feed).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(parameters=[_id("feed_id", "feed")], responses={200: FeedSerializer, **_doc(400, 401, 403, 404)})
@api_view(["GET"])
def feed_detail(request, feed_id):
    return Response(FeedSerializer(_get(sources.feed_list_with_stats(), feed_id, "feed")).data)


@extend_schema(parameters=[_id("link_id", "link")], responses={200: LinkSerializer, **_doc(400, 401, 403, 404)})
@api_view(["GET"])
def link_detail(request, link_id):
    """A link's fetch: ``queued``, ``fetching``, ``done`` (with its article) or ``failed`` (with the reason)."""
    return Response(LinkSerializer(_get(Link.objects.all(), link_id, "link")).data)

"""REST endpoints for articles from the web: feeds (list with progress, follow, pause, resume, remove one)
and links (list, one, retry a failed one). Reading is open to every desk role, as in the admin; every
change is for editors (``permissions.INGEST``, asked by the service)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import permissions, sources
from claims.errors import InvalidInput, InvalidTransition, NotFound
from claims.models import Link

from .common import errors, id_param, paginate, valid
from .serializers import FeedInSerializer, FeedSerializer, LinkSerializer, page_of


def _get(qs, pk, what):
    obj = qs.filter(pk=int(pk)).first() if str(pk).isdigit() else None
    if obj is None:
        raise NotFound(f"{what} {pk} does not exist")
    return obj


@extend_schema(methods=["GET"], operation_id="feeds_list",
               responses={200: page_of(FeedSerializer, "PaginatedFeedList"), **errors(400, 401, 403, 404)})
@extend_schema(methods=["POST"], request=FeedInSerializer, responses={
    201: OpenApiResponse(FeedSerializer, description="followed, polled at once"),
    200: OpenApiResponse(FeedSerializer, description="already followed"), **errors(400, 401, 403)})
@api_view(["GET", "POST"])
def feed_list(request):
    """GET: the feeds with their progress. POST (editors) ``{"url", "title"}``: follow a feed, polled at once."""
    if request.method == "GET":
        return paginate(request, sources.feed_list_with_stats().order_by("id"), FeedSerializer)
    permissions.check(request.user, permissions.INGEST)
    data = valid(FeedInSerializer, request.data)
    feed, created = sources.feed_add(user=request.user, **data)
    feed = sources.feed_list_with_stats().get(pk=feed.pk)
    return Response(FeedSerializer(feed).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(methods=["GET"], parameters=[id_param("feed_id", "feed")],
               responses={200: FeedSerializer, **errors(400, 401, 403, 404)})
@extend_schema(methods=["DELETE"], operation_id="feeds_remove", parameters=[id_param("feed_id", "feed")], responses={
    200: OpenApiResponse(inline_serializer("FeedRemoved", {
        "id": serializers.IntegerField(), "url": serializers.CharField(), "title": serializers.CharField(),
        "items": serializers.IntegerField(), "links_kept": serializers.IntegerField()}),
        description="removed; its links, articles and claims stay"), **errors(400, 401, 403, 404, 409)})
@api_view(["GET", "DELETE"])
def feed_detail(request, feed_id):
    """GET: a feed with its progress. DELETE (editors): stop following it; its links, articles and claims stay."""
    feed = _get(sources.feed_list_with_stats(), feed_id, "feed")
    if request.method == "GET":
        return Response(FeedSerializer(feed).data)
    kept = sources.feed_remove(feed_id=feed.pk, user=request.user)
    return Response({"id": feed.pk, **kept})


def _feed_set_active(request, feed_id, active):
    feed = _get(sources.feed_list_with_stats(), feed_id, "feed")
    sources.feeds_set_active(feed_ids=[feed.pk], active=active, user=request.user)
    return Response(FeedSerializer(sources.feed_list_with_stats().get(pk=feed.pk)).data)


@extend_schema(request=None, parameters=[id_param("feed_id", "feed")],
               responses={200: FeedSerializer, **errors(400, 401, 403, 404)})
@api_view(["POST"])
def feed_pause(request, feed_id):
    """Editors: pause a feed (never polled until resumed; its links and articles stay)."""
    return _feed_set_active(request, feed_id, False)


@extend_schema(request=None, parameters=[id_param("feed_id", "feed")],
               responses={200: FeedSerializer, **errors(400, 401, 403, 404)})
@api_view(["POST"])
def feed_resume(request, feed_id):
    """Editors: resume a paused feed (polled when next due)."""
    return _feed_set_active(request, feed_id, True)


@extend_schema(operation_id="links_list", parameters=[
    OpenApiParameter("page", int, description="page number, from 1"),
    OpenApiParameter("status", str, enum=list(Link.Status.values), description="only links in this status"),
    OpenApiParameter("batch", str, description="only the links added together (an import, or feed-<id>)"),
    OpenApiParameter("feed", int, description="only the links found in this feed")],
    responses={200: page_of(LinkSerializer, "PaginatedLinkList"), **errors(400, 401, 403, 404)})
@api_view(["GET"])
def link_list(request):
    """The links, newest first; ``?status=failed`` for the ones to retry, ``?batch=`` or ``?feed=`` for one import."""
    links = Link.objects.all()
    params = request.query_params
    if params.get("status"):
        if params["status"] not in Link.Status.values:
            raise InvalidInput(f"status must be one of {', '.join(Link.Status.values)}, got {params['status']!r}")
        links = links.filter(status=params["status"])
    if params.get("batch"):
        links = links.filter(batch=params["batch"])
    if params.get("feed"):
        if not params["feed"].isdigit():
            raise InvalidInput(f"feed must be a feed id, got {params['feed']!r}")
        links = links.filter(feed_id=int(params["feed"]))
    return paginate(request, links.order_by("-created_at", "-id"), LinkSerializer)


@extend_schema(parameters=[id_param("link_id", "link")], responses={200: LinkSerializer, **errors(400, 401, 403, 404)})
@api_view(["GET"])
def link_detail(request, link_id):
    """A link's fetch: ``queued``, ``fetching``, ``done`` (with its article) or ``failed`` (with the reason)."""
    return Response(LinkSerializer(_get(Link.objects.all(), link_id, "link")).data)


@extend_schema(request=None, parameters=[id_param("link_id", "link")],
               responses={200: LinkSerializer, **errors(400, 401, 403, 404, 409)})
@api_view(["POST"])
def link_retry(request, link_id):
    """Editors: fetch a failed link again (queued, attempts from zero, audited); 409 for a link that has not failed."""
    link = _get(Link.objects.all(), link_id, "link")
    if not sources.links_retry(link_ids=[link.pk], user=request.user):
        raise InvalidTransition(f"link {link.pk} is {link.get_status_display().lower()}, not failed; "
                                "only a failed link is retried")
    link.refresh_from_db()
    return Response(LinkSerializer(link).data)

"""``/api/articles/``: post an article (a body, its html, or a link to fetch), list them, one with its claims."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import articles, permissions, selectors, sources
from claims.errors import InvalidInput

from .common import READ, errors, id_param, paginate, valid
from .serializers import (
    ArticleAcceptedSerializer,
    ArticleInSerializer,
    ArticleSerializer,
    LinkAcceptedSerializer,
    page_of,
)

_ACCEPTED = PolymorphicProxySerializer(component_name="Accepted", resource_type_field_name=None,
                                       serializers=[ArticleAcceptedSerializer, LinkAcceptedSerializer])


@extend_schema(methods=["GET"], operation_id="articles_list",
               parameters=[OpenApiParameter("page", int, description="page number, from 1")],
               responses={200: page_of(ArticleSerializer, "PaginatedArticleList"), **errors(*READ, 404)})
@extend_schema(methods=["POST"], request=ArticleInSerializer, responses={
    202: OpenApiResponse(_ACCEPTED, description="queued: an article (body or html), or a link to fetch (url only)"),
    200: OpenApiResponse(_ACCEPTED, description="already here: the same body, or a link already followed"),
    **errors(*READ)})
@api_view(["GET", "POST"])
def article_list(request):
    """GET: articles, newest first. POST (editors): ingest one article; 202 with its id and status at once."""
    if request.method == "GET":
        return paginate(request, selectors.article_list(), ArticleSerializer)
    permissions.check(request.user, permissions.INGEST)
    data = valid(ArticleInSerializer, request.data)
    if data.get("url") and "body" not in data and "html" not in data:
        # A link: a worker fetches it (claims.sources); 202 with the link to follow.
        link, created = sources.link_add(url=data["url"], user=request.user)
        return Response({"link": link.pk, "status": link.status, "article": link.article_id, "duplicate": not created,
                         "url": request.build_absolute_uri(f"/api/links/{link.pk}/")},
                        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
    if "html" in data and not data["html"].strip():
        raise InvalidInput("html is empty")
    if "body" not in data and "html" not in data:
        raise InvalidInput("body: give a body, html or a url")
    result = articles.article_ingest(user=request.user, **data)
    article = result.article
    body = {
        "id": article.pk,
        "status": article.status,
        "duplicate": result.duplicate,
        "url": request.build_absolute_uri(f"/api/articles/{article.pk}/"),
    }
    if result.queue_error:
        body["warning"] = result.queue_error
    return Response(body, status=status.HTTP_200_OK if result.duplicate else status.HTTP_202_ACCEPTED)


@extend_schema(parameters=[id_param("article_id", "article")],
               responses={200: ArticleSerializer, **errors(*READ, 404)})
@api_view(["GET"])
def article_detail(request, article_id):
    article = selectors.article_get(article_id=article_id)
    return Response(ArticleSerializer(article, context={"with_claims": True}).data)

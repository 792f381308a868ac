from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims import views

from . import views as project_views

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("claims.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The schema, readable: Swagger UI with its JS/CSS from drf-spectacular-sidecar (static files, no CDN).
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("reports/", views.report, name="report"),
    # For load balancers and monitors: no sign-in, JSON, 200 or 503 (claims.health).
    path("healthz", project_views.healthz, name="healthz"),
]

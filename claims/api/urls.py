from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from . import views

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("articles/", views.article_list, name="api-articles"),
    path("articles/<str:article_id>/", views.article_detail, name="api-article"),
    path("claims/", views.claim_list, name="api-claims"),
    path("claims/<str:claim_id>/", views.claim_detail, name="api-claim"),
    path("claims/<str:claim_id>/verdict/", views.claim_verdict, name="api-claim-verdict"),
    path("claims/<str:claim_id>/assign/", views.claim_assign, name="api-claim-assign"),
    path("claims/<str:claim_id>/audit/", views.claim_audit, name="api-claim-audit"),
    path("export/<str:fmt>/", views.export, name="api-export"),
]

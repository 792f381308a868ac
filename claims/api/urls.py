from django.urls import path

from . import auth, corrections, reports, sources, speakers, summary, views

urlpatterns = [
    path("auth/token/", auth.token, name="api-token"),
    path("articles/", views.article_list, name="api-articles"),
    path("articles/<str:article_id>/", views.article_detail, name="api-article"),
    path("claims/", views.claim_list, name="api-claims"),
    path("claims/<str:claim_id>/", views.claim_detail, name="api-claim"),
    path("claims/<str:claim_id>/assign/", views.claim_assign, name="api-claim-assign"),
    path("claims/<str:claim_id>/propose/", views.claim_propose, name="api-claim-propose"),
    path("claims/<str:claim_id>/approve/", views.claim_approve, name="api-claim-approve"),
    path("claims/<str:claim_id>/send-back/", views.claim_send_back, name="api-claim-send-back"),
    path("claims/<str:claim_id>/accept-suggestion/", views.claim_accept_suggestion, name="api-claim-accept"),
    path("claims/<str:claim_id>/correct/", corrections.claim_correct, name="api-claim-correct"),
    path("claims/<str:claim_id>/reopen/", corrections.claim_reopen, name="api-claim-reopen"),
    path("claims/<str:claim_id>/comments/", views.claim_comments, name="api-claim-comments"),
    path("claims/<str:claim_id>/evidence/", views.claim_evidence, name="api-claim-evidence"),
    path("claims/<str:claim_id>/audit/", views.claim_audit, name="api-claim-audit"),
    path("claims/<str:claim_id>/review-summary/", summary.review_summary, name="api-claim-review-summary"),
    path("speakers/", speakers.speaker_list, name="api-speakers"),
    path("speakers/<str:speaker_id>/", speakers.speaker_detail, name="api-speaker"),
    path("matches/<str:match_id>/decision/", views.match_decision, name="api-match-decision"),
    path("audit/", views.audit_export, name="api-audit"),
    path("feeds/", sources.feed_list, name="api-feeds"),
    path("feeds/<str:feed_id>/", sources.feed_detail, name="api-feed"),
    path("links/<str:link_id>/", sources.link_detail, name="api-link"),
    path("export/<str:fmt>/", views.export, name="api-export"),
    path("reports/", reports.report, name="api-reports"),
]

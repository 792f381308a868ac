import hashlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims import workflow
from claims.models import Article, Claim, Speaker


def _with_role(default):
    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        role = extracted or default
        if create and role:
            obj.groups.add(Group.objects.get(name=role))

    return roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests-1")
    is_staff = False
    roles = _with_role(None)


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    roles = _with_role("editor")


class ReviewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"reviewer{n}")
    is_staff = True
    roles = _with_role("reviewer")


class ViewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"viewer{n}")
    is_staff = True
    roles = _with_role("viewer")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = factory.Sequence(lambda n: f"Article {n}\n\nThe council said on Monday that {n} bridges would close.")
    content_hash = factory.LazyAttribute(lambda a: hashlib.sha256(a.body.encode()).hexdigest())
    status = Article.Status.DONE


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker
        django_get_or_create = ("name", "kind")

    name = factory.Sequence(lambda n: f"Speaker {n}")
    kind = Speaker.Kind.PERSON


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    start = 0
    end = factory.LazyAttribute(lambda c: len(c.text))
    text = factory.Sequence(lambda n: f"The council said {n} bridges would close.")
    speaker = factory.SubFactory(SpeakerFactory)
    attribution = Claim.Attribution.REPORTED
    checkworthiness = 0.8


EVIDENCE = [{"url": "https://example.org/minutes", "title": "Council minutes"}]


def publish_verdict(claim, verdict="verified", note="Checked against the council minutes", *, reviewer=None,
                    assigner=None, approver=None):
    """Take a claim through the whole workflow: assign, propose with evidence, second review."""
    assigner = assigner or EditorFactory()
    reviewer = reviewer or ReviewerFactory()
    approver = approver or EditorFactory()
    workflow.claim_assign(claim=claim, user=assigner, assignee=reviewer)
    workflow.claim_propose(claim=claim, user=reviewer, verdict=verdict, rationale=note, evidence=EVIDENCE)
    workflow.claim_approve(claim=claim, user=approver)
    claim.refresh_from_db()
    return claim

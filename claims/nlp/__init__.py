"""The language wing: plain text in, plain data out, no Django anywhere below (``tests/test_layout.py``).

Extraction (``pipeline.extract_claims`` / ``extract_many``), by concern:

- ``types``: the plain data returned (``Block``, ``ExtractedClaim``, ``Extraction``) and the kinds;
- ``blocks``: paragraphs, headings, boilerplate, datelines, the "― Name" after a quotation;
- ``quotes``: quotation regions, sentences merged or split around them;
- ``cues``: the learned cue model and its threshold, the speech verbs;
- ``context``: who has been named so far, roles, titles, the noun-phrase helper;
- ``coref``: pronouns, descriptions and names resolved to a speaker;
- ``attribution``: sources of cues, the source model, transcript turns;
- ``titles``: the one list of honorifics and title words;
- ``speakers``: one person however the name is spelled;
- ``quantities``, ``checkworthiness``: numbers with what they count; the check-worthiness score;
- ``html``: a web page's article and metadata.

Models: ``loaders`` (spaCy and the encoders, lazily, once per process), ``encoders/`` (e5, MiniLM),
``embeddings`` (the two vectors every claim gets, and their storage). Matching: ``matching/``.

Nothing is imported here, so ``import claims.nlp.blocks`` loads neither spaCy nor numpy.
"""

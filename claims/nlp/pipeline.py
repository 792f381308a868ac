"""Split an article's text into checkable claims, each with its speaker and attribution.

Plain text in, plain data out: nothing here knows about the ORM. The workers, ``ingest --sync``,
the bench scripts and the tests all run these same functions.

The pipeline:
1. blocks (``blocks``): the text is cut into paragraphs (a blank line, or a line break that ends a
   sentence, always ends a paragraph), each classified as body, heading or boilerplate (bylines,
   captions, share buttons, editor's notes);
2. units (``quotes``): spaCy splits each body paragraph into sentences; sentences that share a
   quotation are merged so that a quote over several sentences stays one claim, a sentence holding
   two coordinated assertions with their own attribution is cut in two, and so is one reporting two
   sources' statements (``statements``: "X claimed A, while Y said B"), a dateline is cut off;
3. attribution: a learned cue model (``cues``: logistic regression over a token's lemma and syntax,
   trained on PolNeAR, ``claims/data/attribution_cues.json``) finds the cues ("said", "according
   to", "wants", "polls show"); a learned source model (``attribution``,
   ``attribution_sources.json``) picks which cue's source speaks for the unit; rules read the source
   (subject, agent, "according to X", possessive, transcript label, "― Name" after a quote) and
   resolve pronouns and descriptions (``coref``, ``context``: "he added", "it said", "the
   billionaire", "the ministry") to the nearest compatible speaker named before; a quotation with no
   attribution of its own continues the previous speaker's;
4. quantities and check-worthiness are computed per claim.

Both models are retrained with ``python bench/eval_attribution.py --split train --train``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .attribution import attribute, introducer, turn_speaker
from .blocks import DATELINE, split_blocks
from .checkworthiness import score_checkworthiness
from .context import Context
from .cues import cue_scores
from .loaders import get_nlp
from .quantities import extract_quantities
from .quotes import quote_regions, sentence_units, split_unit
from .statements import split_statements
from .types import ANONYMOUS_KIND, DIRECT, NONE, Block, ExtractedClaim, Extraction


def _claim_worthy(unit) -> bool:
    words = [t for t in unit if t.is_alpha]
    return len(words) >= 4


def _trim_front(unit, start_char: int):
    """The unit without what lies before ``start_char`` (a dateline); None if nothing is left."""
    for tok in unit:
        if tok.idx >= start_char:
            return unit.doc[tok.i : unit.end]
    return None


@dataclass
class Paragraph:
    """One body paragraph as the attribution rules see it."""

    doc: object
    quoted: list[bool]  # per token: inside a quotation
    probs: list[float]  # per token: cue probability
    skip: int  # characters of a leading dateline
    units: list  # claim units (spaCy spans), in reading order


def analyse_paragraph(doc) -> Paragraph:
    """Quotations, cue probabilities, dateline and claim units of one parsed paragraph."""
    regions = quote_regions(doc.text)
    quoted = [any(a <= tok.idx < b for a, b in regions) for tok in doc]
    probs = cue_scores(doc, quoted)
    dateline = DATELINE.match(doc.text)
    skip = dateline.end() if dateline else 0
    units = []
    for unit in sentence_units(doc, regions):
        for clause in split_unit(unit, quoted, probs):
            for part in split_statements(clause, quoted, probs):
                if part.start_char < skip:
                    part = _trim_front(part, skip)
                if part is not None:
                    units.append(part)
    return Paragraph(doc, quoted, probs, skip, units)


def extract_from_doc_blocks(text: str, blocks: list[Block], docs) -> list[tuple[ExtractedClaim, object]]:
    """Claims of one article, each with its spaCy span (for scoring); check-worthiness not yet set."""
    ctx = Context()
    claims: list[ExtractedClaim] = []
    carry = None  # whose quotation may run on into the next unit ("X said:" or a quote left open)
    body_blocks = [b for b in blocks if b.kind == "body"]
    for block, doc in zip(body_blocks, docs):
        para = analyse_paragraph(doc)
        turn = turn_speaker(doc, ctx)
        if turn is not None:
            carry = turn
        for unit in para.units:
            if turn is not None:
                attribution, speaker = DIRECT, turn
            else:
                attribution, speaker = attribute(unit, para.quoted, para.probs, ctx, carry, para.skip)
            ctx.see_entities(unit)
            if speaker is not None and speaker.kind != ANONYMOUS_KIND:
                ctx.add_speaker(speaker)
            if unit.text.rstrip().endswith(":") and speaker is None:
                # "X spoke to reporters on Tuesday:" introduces the quotation that follows
                speaker_next = introducer(unit, para.quoted, ctx)
                carry = speaker_next
            else:
                # a quotation that opens the next unit with no attribution of its own is this speaker's
                carry = speaker if speaker is not None and speaker.kind != ANONYMOUS_KIND else None
            if not _claim_worthy(unit):
                continue
            start = block.start + unit.start_char
            end = block.start + unit.end_char
            quantities = extract_quantities(unit)
            claims.append((
                ExtractedClaim(
                    start=start,
                    end=end,
                    text=text[start:end],
                    speaker=speaker.name if speaker else None,
                    speaker_kind=speaker.kind if speaker else None,
                    attribution=attribution,
                    checkworthiness=0.0,
                    quantities=quantities,
                ),
                unit,
            ))
    return claims


def extract_claims(text: str, *, title: str | None = None) -> Extraction:
    """Split one article into claims. ``title`` helps recognise a repeated headline."""
    return extract_many([(text, title)])[0]


def extract_many(items, *, batch_size: int = 64, embed: bool = True) -> list[Extraction]:
    """Extract many articles at once (``[(text, title), ...]``), batching spaCy over paragraphs.

    With ``embed`` (the default) every claim also gets its one MiniLM pass, batched over all the
    claims of all the articles given (``claim_vectors``): the matching embedding (stored, searched)
    and the reading vector check-worthiness reads.
    """
    nlp = get_nlp()
    plans = []
    paragraph_texts = []
    for text, title in items:
        blocks = split_blocks(text, title)
        body = [b for b in blocks if b.kind == "body"]
        plans.append((text, blocks, len(body)))
        paragraph_texts.extend(text[b.start : b.end] for b in body)
    docs = iter(nlp.pipe(paragraph_texts, batch_size=batch_size))
    per_article = []
    for text, blocks, n in plans:
        article_docs = [next(docs) for _ in range(n)]
        per_article.append((blocks, extract_from_doc_blocks(text, blocks, article_docs)))
    pairs = [pair for _, claims in per_article for pair in claims]
    if embed and pairs:
        from .embeddings import claim_vectors

        matches, readings = claim_vectors([c.text for c, _ in pairs])
        for (claim, _), match, reading in zip(pairs, matches, readings):
            claim.match_embedding = match
            claim.reading = reading
    for claim, span in pairs:
        claim.checkworthiness, claim.reasons = score_checkworthiness(
            span, quantities=claim.quantities, attributed=claim.attribution != NONE, embedding=claim.reading
        )
    return [Extraction(claims=[c for c, _ in claims], blocks=blocks) for blocks, claims in per_article]

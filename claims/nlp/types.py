"""The plain data extraction returns, and the kinds it labels: every module of the wing imports these,
and these import nothing of the wing."""

from __future__ import annotations

from dataclasses import dataclass, field

# how a claim is attributed
DIRECT = "direct"
REPORTED = "reported"
ANONYMOUS = "anonymous"
NONE = "none"

# what kind of source speaks
PERSON = "person"
ORGANISATION = "organisation"
ANONYMOUS_KIND = "anonymous"


@dataclass
class Block:
    start: int
    end: int
    kind: str  # body | heading | boilerplate


@dataclass
class ExtractedClaim:
    start: int
    end: int
    text: str
    speaker: str | None
    speaker_kind: str | None
    attribution: str
    checkworthiness: float
    reasons: list[str] = field(default_factory=list)
    quantities: list[dict] = field(default_factory=list)
    # the e5 sentence embedding (claims.nlp.embeddings.embed_texts): check-worthiness and a matching feature
    embedding: object = None
    # the matching embedding (claims.nlp.embeddings.match_vectors, MiniLM)
    match_embedding: object = None


@dataclass
class Extraction:
    claims: list[ExtractedClaim]
    blocks: list[Block]


@dataclass
class Speaker:
    """A source as the rules see it while reading an article: a name and a kind."""

    name: str
    kind: str

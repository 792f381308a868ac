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
    # the matching embedding (claims.nlp.embeddings.claim_vectors, MiniLM's last layer): stored, searched
    match_embedding: object = None
    # the reading vector of the same pass (MiniLM's fourth layer): check-worthiness reads it, not stored
    reading: object = None


@dataclass
class Extraction:
    claims: list[ExtractedClaim]
    blocks: list[Block]


@dataclass
class Speaker:
    """A source as the rules see it while reading an article: a name and a kind."""

    name: str
    kind: str

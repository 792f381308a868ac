"""Which claims of the second seed article does matching pair with the first's? (issue 14's evidence)

    .venv/bin/python bench/seed_pairs.py [--seeds ../shared/seeds] [--related 1] [--width 70]

Both articles (the first two ``*.txt`` of ``--seeds``, in name order; read there, never copied) go
through the product's extraction (``extract_many``) with titles and headline vectors as the worker
gives them; the first article's claims are stored in a ``MatchIndex`` and each claim of the second is
searched as a new claim. Prints one row per ``same`` or ``conflict`` match and the best ``--related``
related matches of each new claim: new claim, earlier claim (both shortened), kind, score, rank among
the new claim's matches (1 = first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def records(extraction, article_id: int, first_id: int, title: str):
    from claims.nlp.embeddings import match_vectors
    from claims.nlp.matching.records import ClaimRecord

    headline = match_vectors([title])[0] if title.strip() else None
    return [ClaimRecord(id=first_id + i, article_id=article_id, text=c.text,
                        match_embedding=c.match_embedding, speaker=c.speaker, speaker_kind=c.speaker_kind,
                        quantities=c.quantities, context=title, context_embedding=headline)
            for i, c in enumerate(extraction.claims)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    ap.add_argument("--related", type=int, default=1, help="related matches shown per new claim (best first)")
    ap.add_argument("--width", type=int, default=70)
    args = ap.parse_args(argv)

    from claims.ingestion import title_from_body
    from claims.nlp.matching.index import MatchIndex
    from claims.nlp.pipeline import extract_many

    files = sorted(args.seeds.glob("*.txt"))[:2]
    if len(files) < 2:
        print(f"two seed articles needed in {args.seeds}", file=sys.stderr)
        return 2
    texts = [f.read_text(encoding="utf-8") for f in files]
    titles = [title_from_body(t) for t in texts]
    first_x, second_x = extract_many(list(zip(texts, titles)))
    first = records(first_x, 1, 1, titles[0])
    second = records(second_x, 2, 1000, titles[1])
    index = MatchIndex()
    index.add(first)
    text_of = {r.id: r.text for r in first}
    print(f"{files[0].name}: {len(first)} claims stored; {files[1].name}: {len(second)} claims searched")
    w = args.width
    print(f"{'new claim':{w}s} | {'earlier claim':{w}s} | kind     | score  | rank")
    counts: dict[str, int] = {}
    for rec in second:
        shown_related = 0
        for rank, m in enumerate(index.search(rec, exclude_article=rec.article_id), 1):
            counts[m.kind] = counts.get(m.kind, 0) + 1
            if m.kind == "related":
                if shown_related >= args.related:
                    continue
                shown_related += 1
            print(f"{short(rec.text, w):{w}s} | {short(text_of[m.claim_id], w):{w}s} | {m.kind:8s} | "
                  f"{m.score:.4f} | {rank}")
    print("matches by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

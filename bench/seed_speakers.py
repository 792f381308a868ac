"""Who speaks for each claim of the seed articles, as extraction credits it (issue 25's evidence).

    .venv/bin/python bench/seed_speakers.py [--seeds ../shared/seeds] [--width 60]

The seed articles (the first two ``*.txt`` of ``--seeds``, in name order; read there, never copied)
go through the product as ``manage.py ingest --sync`` takes them: the body cleaned by
``claims.ingestion.clean_body``, the title its first line, claims from ``extract_many`` (no
embeddings: speakers do not read them). Prints a Markdown table, one row per claim: article, claim
(shortened), speaker (and its kind), attribution.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def short(text: str, width: int) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    ap.add_argument("--width", type=int, default=60, help="characters of claim text shown")
    args = ap.parse_args(argv)

    from claims.ingestion import clean_body, title_from_body
    from claims.nlp.pipeline import extract_many

    files = sorted(args.seeds.glob("*.txt"))[:2]
    if not files:
        print(f"no seed articles in {args.seeds}", file=sys.stderr)
        return 2
    bodies = [clean_body(f.read_text(encoding="utf-8"), max_chars=10**9) for f in files]
    extractions = extract_many([(b, title_from_body(b)) for b in bodies], embed=False)
    print("| article | claim | speaker | attribution |")
    print("|---|---|---|---|")
    for number, ex in enumerate(extractions, 1):
        for claim in ex.claims:
            speaker = f"{claim.speaker} ({claim.speaker_kind})" if claim.speaker else "—"
            print(f"| {number} | {short(claim.text, args.width)} | {speaker} | {claim.attribution} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""bench/match.py at a tiny size: both the exact and the HNSW path, recall against brute force."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import match as match_bench  # noqa: E402

CLAIMS = [
    "The Harbour Bridge in Port Alder was closed for eight months of repairs.",
    "COVID-19 vaccines contain microchips that track people.",
    "A photograph shows a shark swimming on a flooded highway in Houston.",
    "The 1969 moon landing was staged in a film studio.",
    "The city council approved a budget of 40 million euros for schools.",
    "Drinking hot water every fifteen minutes kills the coronavirus.",
    "The president signed an order banning flights from seven countries.",
    "Unemployment fell to its lowest level in fifty years last month.",
]


def test_bench_reports_every_size_with_recall_against_brute_force(tmp_path, capsys):
    texts = tmp_path / "targets.jsonl"
    texts.write_text("".join(json.dumps({"id": str(i), "title": "", "text": t}) + "\n"
                             for i, t in enumerate(CLAIMS)), encoding="utf-8")
    assert match_bench.main(["--sizes", "150,600", "--queries", "20", "--texts", str(texts),
                             "--exact-limit", "300"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip()[:1].isdigit()]
    rows = [r for r in rows if r[1] in ("exact", "hnsw")]
    assert [(r[0], r[1]) for r in rows] == [("150", "exact"), ("600", "hnsw")]
    recall = [float(r[7]) for r in rows]
    assert recall[0] == 1.0 and 0.0 <= recall[1] <= 1.0
    # a fresh worker adopts the saved graph: timed only where there is one
    assert rows[0][9] == "nan" and float(rows[1][9]) >= 0.0
    assert all(float(r[5]) > 0 for r in rows)  # p95 latency of the whole match
    assert all(0 < float(r[11]) for r in rows)  # p95 of the search without the cross-encoder

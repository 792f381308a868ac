"""bench/eval_matching.py and bench/train_matching.py on a few lines of data written here."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import eval_matching  # noqa: E402
import train_matching  # noqa: E402

TARGETS = [
    {"id": "v-bridge", "title": "Bridge closed", "subtitle": "", "text": "The Harbour Bridge in Port Alder was closed for eight months of repairs."},
    {"id": "v-vaccine", "title": "Vaccine chips", "subtitle": "", "text": "COVID-19 vaccines contain microchips that track people."},
    {"id": "v-shark", "title": "Shark on highway", "subtitle": "", "text": "A photograph shows a shark swimming on a flooded highway in Houston."},
    {"id": "v-short", "title": "Pope endorses Trump for president", "subtitle": "", "text": "The"},
    {"id": "v-moon", "title": "Moon landing", "subtitle": "", "text": "The 1969 moon landing was staged in a film studio."},
]
QUERIES = [
    ("q1", "Wow, they closed the Harbour Bridge in Port Alder for months of repairs https://t.co/x — Ann (@ann) May 1, 2020"),
    ("q2", "There is a shark swimming on the flooded highway in Houston!! #HurricaneHarvey"),
    ("q3", "Breaking: the Pope has endorsed Trump for president"),
]
QRELS = [("q1", "v-bridge"), ("q2", "v-shark"), ("q3", "v-short"), ("q3", "v-moon")]


@pytest.fixture
def files(tmp_path):
    tmp_path = tmp_path / "checkthat2022-2a"  # the set the data README has reference figures for
    tmp_path.mkdir()
    targets = tmp_path / "targets.jsonl"
    targets.write_text("".join(json.dumps(t) + "\n" for t in TARGETS), encoding="utf-8")
    queries = tmp_path / "queries.tsv"
    queries.write_text("id\ttext\n" + "".join(f"{q}\t{t}\n" for q, t in QUERIES), encoding="utf-8")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("".join(f"{q}\t0\t{t}\t1\n" for q, t in QRELS), encoding="utf-8")
    return targets, queries, qrels


def test_scores_follow_the_official_map_at_5_definition():
    qrels = {"a": {"t1"}, "b": {"t1", "t2"}, "c": {"t9"}}
    ranked = {"a": ["t5", "t1"], "b": ["t1", "t3", "t2"]}  # "c" returned nothing: counts 0
    result = eval_matching.scores(ranked, qrels)
    assert result["MAP@5"] == pytest.approx((1 / 2 + (1 + 2 / 3) / 2 + 0) / 3)
    assert result["MAP@1"] == pytest.approx((0 + 1 / 2 + 0) / 3)
    assert result["MRR"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert result["R@5"] == pytest.approx(2 / 3)


def test_truncated_target_text_falls_back_to_the_headline(files):
    targets = dict(eval_matching.load_targets(files[0]))
    assert targets["v-short"] == "Pope endorses Trump for president"


def test_eval_prints_every_method_and_ends_with_map_at_5(files, capsys):
    targets, queries, qrels = files
    assert eval_matching.main(["--targets", str(targets), "--queries", str(queries), "--qrels", str(qrels)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    table = "\n".join(out)
    for method in ("bm25", "minilm", "fusion", "default (product default)", "SimBa"):
        assert method in table
    last = out[-1].split()
    assert last[0] == "MAP@5" and float(last[1]) > 0.6


def test_eval_of_one_method_and_embedding_cache(files, tmp_path, capsys):
    targets, queries, qrels = files
    args = ["--targets", str(targets), "--queries", str(queries), "--qrels", str(qrels), "--method", "bm25",
            "--cache", str(tmp_path / "cache")]
    eval_matching.main(args)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    # matching reads MiniLM vectors only: no e5 is computed for it
    assert (tmp_path / "cache" / "minilm.npz").exists() and not (tmp_path / "cache" / "e5.npz").exists()
    eval_matching.main(args)
    assert capsys.readouterr().out.strip().splitlines()[-1] == first


def test_logistic_fit_separates_separable_pairs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    weights, bias = train_matching.fit_logistic(x, y, l2=0.1)
    predicted = (x @ weights + bias) > 0
    assert (predicted == y.astype(bool)).mean() > 0.97


def test_train_script_writes_a_scorer_the_index_can_use(files, tmp_path, capsys):
    targets, queries, qrels = files
    out = tmp_path / "scorer.json"
    assert train_matching.main(["--targets", str(targets), "--queries", str(queries), "--qrels", str(qrels),
                                "--dev-queries", str(queries), "--dev-qrels", str(qrels), "--out", str(out)]) == 0
    scorer = json.loads(out.read_text(encoding="utf-8"))
    assert scorer["features"] == list(train_matching.FEATURES)
    assert all(part in train_matching.FEATURES for name in scorer["pair"]["features"] for part in name.split("*"))
    # the pair model (the score the thresholds read) sees the two claims only: no ranks, gaps, headline
    parts = {part for name in scorer["pair"]["features"] for part in name.split("*")}
    assert not any(word in part for part in parts for word in ("rank", "gap", "ctx", "bm25", "date"))
    assert "cov_new" not in parts  # that one counts the headline's words too
    assert "dev: MAP@5" in capsys.readouterr().out
    index, target_ids = eval_matching.build_index(eval_matching.load_target_rows(targets))
    query = eval_matching.query_records(eval_matching.load_queries(queries))[1]
    probability = train_matching.scorer_probability(index.candidates(query).features, scorer)
    assert ((probability >= 0) & (probability <= 1)).all()


def test_a_set_without_published_figures_says_so(files, tmp_path, capsys):
    other = tmp_path / "checkthat2020-2"
    other.mkdir()
    targets = other / "targets.jsonl"
    targets.write_text(files[0].read_text(encoding="utf-8"), encoding="utf-8")
    eval_matching.main(["--targets", str(targets), "--queries", str(files[1]), "--qrels", str(files[2]),
                        "--method", "bm25"])
    out = capsys.readouterr().out
    assert "no published figures" in out and "SimBa" not in out
    assert out.strip().splitlines()[-1].startswith("MAP@5 ")

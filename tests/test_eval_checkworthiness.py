"""bench/eval_checkworthiness.py on a few lines written here, so CI catches a broken script fast."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from claims.nlp.embeddings import claim_vectors

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "eval_checkworthiness.py"

POSITIVE = [
    "Unemployment fell to 4.2 percent in March, the lowest level since 2019.",
    "The federal deficit has tripled to 300 billion dollars in four years.",
    "Germany spends twice as much on defence as it did in 2014.",
    "We cut taxes for 95 percent of working families last year.",
    "The state lost 40,000 manufacturing jobs while my opponent was governor.",
    "Crime in the city went up 12 percent after the police budget was cut.",
    "Eleven million people are living in this country illegally.",
    "The company paid no federal income tax on profits of 2 billion dollars.",
]
NEGATIVE = [
    "Thank you very much, everyone.",
    "Is the city ready for months of traffic jams?",
    "I think we all love this wonderful town.",
    "Let me finish, please.",
    "What would you do about it?",
    "Good evening and welcome to the debate.",
    "We must do better for our children.",
    "I hope you will give me your vote.",
    "That is a fair question.",
    "Well, I disagree with that.",
    "Americans deserve a government they can trust.",
    "Let me tell you something.",
]
TEST_POSITIVE = [
    "Inflation rose to 9 percent in 1979 under the Carter administration.",
    "The plant employed 3,000 workers before it closed in 2009.",
    "Our exports to China grew by 20 percent last year.",
]
TEST_NEGATIVE = ["Thank you, Jim.", "Do you want to respond?", "I believe in this country.", "Let me be clear."]


def _load_script():
    spec = importlib.util.spec_from_file_location("eval_checkworthiness", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path, positives, negatives):
    rows = [(t, 1) for t in positives] + [(t, 0) for t in negatives]
    lines = ["id\ttext\tlabel"] + [f"{i}\t{t}\t{label}" for i, (t, label) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def script():
    return _load_script()


def test_fits_on_train_scores_test_and_ends_with_f1_line(script, tmp_path, capsys):
    train = _write(tmp_path / "train.tsv", POSITIVE, NEGATIVE)
    test = _write(tmp_path / "test.tsv", TEST_POSITIVE, TEST_NEGATIVE)
    saved = tmp_path / "model.npz"
    f1 = script.main(["--train", str(train), "--test", str(test), "--save", str(saved),
                      "--cache-dir", str(tmp_path / "cache"), "--folds", "3"])
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert re.fullmatch(r"F1 \d\.\d{4}", lines[-1])
    assert float(lines[-1].split()[1]) == pytest.approx(f1, abs=1e-4)
    assert "| precision | recall |    F1 |    AP | threshold |     n |" in out
    assert re.search(r"\| as is\s+\|", out) and re.search(r"\| reweighted to 50% pos\s+\|", out)
    assert "7 sentences, 3 positive" in out
    assert f1 > 0.5  # numbers vs. courtesies: even a model fitted on 20 lines separates them
    assert saved.exists() and (tmp_path / "cache").is_dir()


def test_the_matching_vector_can_stand_in_for_the_reading_one_with_its_own_cache_file(script, tmp_path, capsys):
    train = _write(tmp_path / "train.tsv", POSITIVE, NEGATIVE)
    test = _write(tmp_path / "test.tsv", TEST_POSITIVE, TEST_NEGATIVE)
    cache = tmp_path / "cache"
    for embedding in ("last", "reading"):
        f1 = script.main(["--train", str(train), "--test", str(test), "--embedding", embedding,
                          "--cache-dir", str(cache), "--folds", "3"])
        out = capsys.readouterr().out
        assert f"embedding: {embedding}" in out and f1 > 0.5
    assert len(list(cache.glob("*.npz"))) == 2  # one file per vector: never read one for the other
    match, reading = claim_vectors(TEST_POSITIVE[:1])
    np.testing.assert_allclose(script.embed_cached(TEST_POSITIVE[:1], cache, "last"), match, atol=1e-6)
    np.testing.assert_allclose(script.embed_cached(TEST_POSITIVE[:1], cache, "reading"), reading, atol=1e-6)


def test_the_shipped_weights_are_not_fed_another_embedding(script, tmp_path):
    test = _write(tmp_path / "test.tsv", TEST_POSITIVE, TEST_NEGATIVE)
    with pytest.raises(SystemExit):
        script.main(["--shipped", "--test", str(test), "--embedding", "last", "--no-cache"])


def test_shipped_weights_need_no_training_file(script, tmp_path, capsys):
    test = _write(tmp_path / "test.tsv", TEST_POSITIVE, TEST_NEGATIVE)
    f1 = script.main(["--shipped", "--test", str(test), "--no-cache"])
    out = capsys.readouterr().out
    assert "shipped weights" in out
    assert out.strip().splitlines()[-1] == f"F1 {f1:.4f}"
    assert f1 >= 0.8


def test_a_file_without_the_header_is_refused(script, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\tSome text\t1\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="expected the header"):
        script.main(["--train", str(bad), "--test", str(bad), "--no-cache"])


def test_dev_split_is_fixed_and_keeps_the_class_balance(script):
    ids = [str(i) for i in range(1000)]
    labels = np.array([1 if i % 4 == 0 else 0 for i in range(1000)])
    dev = script.dev_split(ids, labels)
    assert dev.sum() == 200 and labels[dev].sum() == 50
    assert (dev == script.dev_split(list(reversed(ids)), labels[::-1])[::-1]).all()


def test_threshold_and_average_precision_on_hand_checked_scores(script):
    y = np.array([1, 1, 0, 1, 0, 0])
    z = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # ranking 1 1 0 1 0 0: AP = (1 + 1 + 3/4) / 3
    assert script.average_precision(y, z) == pytest.approx(11 / 12)
    # best F1 keeps the top four (P 3/4, R 1, F1 6/7) over the top two (P 1, R 2/3, F1 4/5)
    assert 0.2 < script.best_threshold(y, z) < 0.6
    m = script.measure(y, z, 0.5)
    assert (m["precision"], m["recall"]) == (pytest.approx(0.75), pytest.approx(1.0))
    # reweighting to a balanced prior: each positive weighs negatives / positives = 1 here
    assert script.balanced_weights(y).tolist() == [1.0] * 6


def test_desk_threshold_rows_and_the_share_of_news_claims_above_it(script, tmp_path, capsys):
    test = _write(tmp_path / "test.tsv", TEST_POSITIVE, TEST_NEGATIVE)
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Bridge\n\nThe council said repairs will cost 12 million euros by 2027. "
                                "Thank you for reading.\n", encoding="utf-8")
    script.main(["--shipped", "--test", str(test), "--no-cache", "--desk-threshold", "0.9", "--news", str(news)])
    out = capsys.readouterr().out
    assert "as is, desk threshold" in out and "|      0.90 |" in out
    assert "news: 1 articles" in out
    shares = [line for line in out.splitlines() if line.startswith("|      0.")]
    assert [line.split("|")[1].strip() for line in shares] == ["0.50", "0.90"]
    assert out.strip().splitlines()[-1].startswith("F1 ")

"""bench/eval_attribution.py on a few lines of data written for the test (no corpus, seconds)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import eval_attribution as ev  # noqa: E402

ARTICLE = (
    "Senator warns on budget.\n\n"
    "Analysts expect a long fight. Senator Maria Lopez said the budget would be cut.\n\n"
    "The weather was fine."
)


def _spans(text, fragment):
    start = text.index(fragment)
    return {"text": fragment, "spans": [[start, start + len(fragment)]]}


@pytest.fixture
def data_dir(tmp_path):
    """A split "mini" with one article and three attributions (one in the headline)."""
    folder = tmp_path / "mini"
    (folder / "text").mkdir(parents=True)
    (folder / "text" / "doc1.txt").write_text(ARTICLE, encoding="utf-8")
    rows = [
        {"doc": "doc1", "id": "E1", "source": _spans(ARTICLE, "Senator Maria Lopez"), "cue": _spans(ARTICLE, "said"),
         "content": _spans(ARTICLE, "the budget would be cut")},
        {"doc": "doc1", "id": "E2", "source": _spans(ARTICLE, "Analysts"), "cue": _spans(ARTICLE, "expect"),
         "content": _spans(ARTICLE, "a long fight")},
        {"doc": "doc1", "id": "E3", "source": None, "cue": _spans(ARTICLE, "warns"),
         "content": _spans(ARTICLE, "on budget")},
        {"doc": "other", "id": "E1", "source": None, "cue": None, "content": {"text": "x", "spans": [[0, 1]]}},
    ]
    (folder / "attributions.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return tmp_path


def _claim(fragment, attribution="reported", speaker=None, text=ARTICLE):
    start = text.index(fragment)
    return {"start": start, "end": start + len(fragment), "text": fragment, "speaker": speaker,
            "attribution": attribution}


def test_load_split_reads_texts_and_gold_and_skips_unknown_documents(data_dir):
    (doc,) = ev.load_split(data_dir, "mini")
    assert doc.name == "doc1"
    assert [g.id for g in doc.golds] == ["E1", "E2", "E3"]
    assert doc.golds[0].names == {"maria", "lopez"}  # "Senator" is a title
    # sentence-initial, but these texts never write "analysts" in lower case: it counts as a name
    assert doc.golds[1].names == {"analysts"}
    assert doc.golds[2].source == []


def test_name_tokens_drop_titles_pronouns_and_lowercase_words_at_sentence_start():
    text = "He said so. Analysts agree, and analysts are rarely wrong. Mr. Trump told The Washington Post."
    vocab = ev.lowercase_vocabulary([text])

    def names(fragment):
        start = text.index(fragment)
        return ev.name_tokens(text, [(start, start + len(fragment))], vocab)

    assert names("He") == set()
    assert names("Analysts") == set()
    assert names("Mr. Trump") == {"trump"}
    assert names("The Washington Post") == {"washington", "post"}


def test_scores_follow_the_readme_definitions(data_dir):
    docs = ev.load_split(data_dir, "mini")
    claims = [
        _claim("Analysts expect a long fight.", attribution="none"),
        _claim("Senator Maria Lopez said the budget would be cut.", speaker="Lopez"),
        _claim("The weather was fine."),  # attributed but overlaps no gold span: imprecise
    ]
    sc = ev.score_docs(docs, {"doc1": claims})
    assert (sc.gold, sc.covered, sc.covered_any) == (2, 1, 2)  # E3's content is in the headline
    assert (sc.named, sc.speaker_right) == (1, 1)
    assert (sc.attributed, sc.precise) == (2, 1)
    assert sc.coverage == 0.5 and sc.speaker == 1.0 and sc.precision == 0.5


def test_coverage_needs_half_of_the_content_in_one_claim(data_dir):
    docs = ev.load_split(data_dir, "mini")
    half = _claim("Senator Maria Lopez said the budget would", speaker="Maria Lopez")
    less = _claim("Senator Maria Lopez said the budget", speaker="Maria Lopez")
    assert ev.score_docs(docs, {"doc1": [half]}).covered == 1
    assert ev.score_docs(docs, {"doc1": [less]}).covered == 0


def test_wrong_speaker_is_counted_against_speaker_accuracy(data_dir):
    docs = ev.load_split(data_dir, "mini")
    claim = _claim("Senator Maria Lopez said the budget would be cut.", speaker="the senator")
    sc = ev.score_docs(docs, {"doc1": [claim]})
    assert (sc.covered, sc.named, sc.speaker_right) == (1, 1, 0)


def test_claims_are_placed_by_their_text_nearest_their_start():
    text = "“Yes,” he said.\n\nLater:  \u201cYes,\u201d he said."
    placed = ev.place_claims(text, [{"text": '"Yes," he said.', "start": 20, "end": 35}])
    start, end, _ = placed[0]
    assert text[start:end] == "\u201cYes,\u201d he said." and start > 10
    missing = ev.place_claims(text, [{"text": "not there", "start": 3, "end": 7}])
    assert missing[0][:2] == (3, 7)


def test_logistic_fit_learns_the_sign_of_a_feature():
    X = [["bias", "cue"]] * 20 + [["bias"]] * 20
    y = [True] * 18 + [False] * 2 + [False] * 18 + [True] * 2
    w = ev.fit_logistic(X, y, epochs=300, min_count=1)
    assert w["cue"] > 1.0 and w["bias"] < 0


def test_the_script_prints_the_table_through_the_product(data_dir, capsys):
    sc = ev.main(["--split", "mini", "--data", str(data_dir), "--no-baseline"])
    out = capsys.readouterr().out
    assert "| claimdesk |" in out
    assert "coverage" in out and "speaker" in out and "precision" in out
    assert out.strip().splitlines()[-1] == (
        f"attribution: coverage {sc.coverage:.3f} speaker {sc.speaker:.3f} precision {sc.precision:.3f}"
    )
    assert sc.gold == 2 and sc.claims >= 2

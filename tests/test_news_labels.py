"""bench/news_labels.py: each labelling rule fires as documented, on sentences written here (none is
from PolNeAR), and the TSV round trip keeps offsets only. spaCy is loaded once; no database."""

import importlib.util
from pathlib import Path

import pytest

from claims.nlp.loaders import get_nlp

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "news_labels.py"


@pytest.fixture(scope="module")
def news_labels():
    spec = importlib.util.spec_from_file_location("news_labels", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def label(news_labels):
    nlp = get_nlp()
    return lambda text, attribution="none": news_labels.label_claim(nlp(text), attribution)


# (sentence, expected label, the rule's name as the script reports it)
NOT_WORTH = [
    ("The mayor's office did not respond to a request for comment.", "non-answer"),
    ("A spokeswoman for the governor declined to comment.", "non-answer"),
    ("Read more about the council's budget here.", "meta / transition"),
    ("What will the council do about the budget?", "question"),
    ("Senator Ortiz said.", "no content: speech verb alone"),
    ("The council will vote on the new budget next week.", "forecast: will / going to"),
    ("The governor is expected to sign the measure in March.", "forecast: plan / expect / intend"),
    ("The new bridge would cut commuting times, the mayor said.", "forecast: would / could / might / may"),
    ("The city should build more housing near the river.", "opinion: should / must"),
    ("The strategy is to win the rural counties first.", "forecast: a goal or strategy"),
    ("I think the mayor is doing a fine job.", "opinion: I think / we hope"),
    ("There are growing fears that the plant will close.", "opinion: fears / hopes"),
    ("Ortiz wants to become the next governor of Nebraska.", "forecast: plan / expect / intend"),
    ("The proposal is a disaster for working families.", "opinion: value word"),
    ("Senator Ortiz slammed the governor over the delays.", "opinion: judgement verb"),
    ("Ortiz expressed doubts about the governor's plan.", "opinion: attitude voiced"),
    ("Keep your promises, Mr. Mayor.", "opinion: imperative"),
    ("The mayor was very effective in the debate.", "opinion: judgement in the predicate"),
    ("Supporters waved flags and cheered as the senator took the stage.", "scene-setting / logistics"),
    ("Ortiz walked along the river with her dog.", "scene-setting / logistics"),
]
WORTH = [
    ("Unemployment in Omaha fell to 3.1 percent in May.", "number / statistic"),
    ("The city spent $4.2 million on the new stadium.", "number / statistic"),
    ("Sixty-two percent of voters in the Omaha survey said they support the pipeline.", "number: poll result"),
    ("Ortiz accused the governor of lying about the contract.", "accusation / wrongdoing"),
    ("The state set a record for wind power production in 2015.", "record / comparison"),
    ("Ortiz became the first woman to lead the Nebraska Senate.", "record / comparison"),
    ("The council approved the budget on Tuesday.", "past event"),
    ("The law requires every county in Nebraska to publish its accounts.", "state of affairs"),
    ("Maria Ortiz is a member of the state's ethics commission.", "role / membership"),
]


@pytest.mark.parametrize(("text", "rule"), NOT_WORTH)
def test_not_worth_checking_rule_fires(label, text, rule):
    assert label(text) == (0, rule)


@pytest.mark.parametrize(("text", "rule"), WORTH)
def test_worth_checking_rule_fires(label, text, rule):
    assert label(text) == (1, rule)


def test_an_attributed_past_event_says_so(label):
    assert label("Ortiz voted against the pipeline bill in 2014, her office said.", "reported") == (
        1, "attributed: past event")


def test_what_a_plan_would_do_is_left_unlabelled(label):
    assert label("The plan would raise the sales tax by two cents, Ortiz said.") == (
        None, "undecided: what a plan would do")


def test_a_value_word_and_a_statistic_together_are_left_unlabelled(label):
    assert label("It is a disgrace that 4,000 families in Omaha lost their homes.") == (None, "undecided: mixed")


def test_sentences_that_disagree_leave_the_claim_unlabelled(label):
    text = "Where was the plant built? The plant was built in Omaha in 1998 for $40 million."
    assert label(text) == (None, "undecided: sentences disagree")


def test_a_plain_description_is_left_unlabelled(label):
    assert label("The weather was pleasant.") == (None, "undecided")


def test_small_counts_dates_and_ids_are_not_statistics(label):
    assert label("Two aides joined Ortiz on the trip in 2014.")[1] != "number / statistic"
    assert label('<tweet id="123456789012">We are on our way</tweet>.')[1] != "number / statistic"


def test_labels_are_written_without_text_and_read_back_from_the_articles(news_labels, tmp_path, monkeypatch):
    text = "Headline here.\n\nThe council approved the budget on Tuesday. It rained."
    (tmp_path / "polnear" / "dev" / "text").mkdir(parents=True)
    (tmp_path / "polnear" / "dev" / "text" / "doc1.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(news_labels, "POLNEAR", tmp_path / "polnear")
    monkeypatch.setattr(news_labels, "OUT_DIR", tmp_path / "out")
    start = text.index("The council")
    end = text.index(" It rained")
    path = news_labels.write_tsv("dev", [("doc1", start, end, 1, "past event"), ("doc1", 0, 14, None, "undecided")])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ["doc\tstart\tend\tlabel\trule", f"doc1\t{start}\t{end}\t1\tpast event"]
    assert news_labels.load_labels("dev") == [("The council approved the budget on Tuesday.", 1)]


def test_overrides_set_a_label_or_unlabel_a_claim(news_labels, tmp_path):
    path = tmp_path / "overrides.tsv"
    path.write_text("doc\tstart\tend\tlabel\tnote\nd\t0\t10\t1\ta past event\nd\t20\t30\t-\tunclear\n",
                    encoding="utf-8")
    assert news_labels.read_overrides(path) == {("d", 0, 10): (1, "a past event"), ("d", 20, 30): (None, "unclear")}

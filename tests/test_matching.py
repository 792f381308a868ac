"""Matching on plain data: the seed articles' near-identical sentences, numbers, speakers. No database."""

import dataclasses

import pytest

from claims.nlp.embeddings import claim_vectors, decode_embedding, encode_embedding, match_vectors
from claims.nlp.matching.index import MatchIndex
from claims.nlp.matching.records import ClaimRecord
from claims.nlp.matching.rules import CONFLICT, RELATED, SAME, numbers_disagree
from claims.nlp.pipeline import extract_claims


def _records(claims, article_id, first_id):
    texts = [c.text for c in claims]
    return [
        ClaimRecord(id=first_id + i, article_id=article_id, text=c.text, match_embedding=m,
                    speaker=c.speaker, speaker_kind=c.speaker_kind, quantities=c.quantities)
        for i, (c, m) in enumerate(zip(claims, match_vectors(texts)))
    ]


@pytest.fixture(scope="module")
def seed_index(seeds):
    first = _records(extract_claims(seeds[0]).claims, 1, 1)
    second = _records(extract_claims(seeds[1]).claims, 2, 1000)
    index = MatchIndex()
    index.add(first)
    return index, first, second


def _best(index, records, fragment):
    query = next(r for r in records if fragment in r.text)
    matches = index.search(query, exclude_article=query.article_id)
    assert matches, f"no match at all for {fragment!r}"
    return matches[0], {r.id: r for r in index.records}[matches[0].claim_id]


@pytest.mark.parametrize(
    "fragment, earlier_fragment",
    [
        ("A visit by Xi to Russia would be a major event", "A visit by Mr Xi to Russia would be a major event"),
        ("Wagner assault units are advancing", "assault units are advancing from several directions"),
        ("is planning to seek the arrests of Russian officials", "approve arrest warrants against Russian individuals"),
    ],
)
def test_near_identical_seed_sentences_match_same(seed_index, fragment, earlier_fragment):
    index, _, second = seed_index
    match, earlier = _best(index, second, fragment)
    assert earlier_fragment in earlier.text
    assert match.kind == SAME
    assert 0 <= match.score <= 1


SEED_SAME = [
    ("A visit by Xi to Russia would be a major event", "A visit by Mr Xi to Russia would be a major event"),
    ("Wagner assault units are advancing", "assault units are advancing from several directions"),
    ("is planning to seek the arrests of Russian officials", "approve arrest warrants against Russian individuals"),
]


def test_seed_same_pairs_are_exactly_the_shared_claims_and_first(seed_index):
    """Issue 14: across every claim of the second seed article, `same` comes out for these three
    pairs only (the claims both outlets report), each as its claim's first match."""
    index, _, second = seed_index
    text_of = {r.id: r.text for r in index.records}
    found = []
    for rec in second:
        for rank, m in enumerate(index.search(rec, exclude_article=rec.article_id)):
            if m.kind == SAME:
                found.append((rec.text, text_of[m.claim_id], rank))
    assert len(found) == len(SEED_SAME), found
    for fragment, earlier_fragment in SEED_SAME:
        assert any(fragment in new and earlier_fragment in old and rank == 0 for new, old, rank in found), fragment


def test_unrelated_claim_gets_no_same_match(seed_index):
    index, _, second = seed_index
    query = next(r for r in second if "Bakhmut municipal officials" in r.text)
    assert all(m.kind != SAME for m in index.search(query, exclude_article=2))


def test_matches_never_come_from_the_same_article(seed_index):
    index, first, _ = seed_index
    for rec in first[:5]:
        assert index.search(rec, exclude_article=1) == []


def _record(rid, article, text, quantities=(), speaker=None, kind=None):
    return ClaimRecord(id=rid, article_id=article, text=text,
                       match_embedding=match_vectors([text])[0], quantities=list(quantities), speaker=speaker,
                       speaker_kind=kind)


def test_close_words_with_different_numbers_are_a_conflict_not_same():
    index = MatchIndex()
    index.add([_record(1, 1, "About 40,000 vehicles cross the Harbour Bridge every day, the transport authority said.",
                       [{"value": 40000.0, "unit": "vehicle"}])])
    query = _record(2, 2, "About 25,000 vehicles cross the Harbour Bridge every day, the transport authority said.",
                    [{"value": 25000.0, "unit": "vehicle"}])
    (match,) = index.search(query, exclude_article=2)
    assert match.kind == CONFLICT
    assert "numbers" in match.reason


def test_same_words_from_different_people_are_a_conflict():
    index = MatchIndex()
    index.add([_record(1, 1, "The repairs will take at least eight months, Tomas Brandt said.", speaker="Tomas Brandt",
                       kind="person")])
    query = _record(2, 2, "The repairs will take at least eight months, Marta Leclerc said.", speaker="Marta Leclerc",
                    kind="person")
    (match,) = index.search(query, exclude_article=2)
    assert match.kind == CONFLICT
    assert "speakers" in match.reason


def test_a_speaker_known_only_by_role_does_not_disagree_with_a_named_one():
    """The demo's mayor: "the mayor told journalists" in one article, "Mayor Ines Okafor said" in the other."""
    index = MatchIndex()
    index.add([_record(1, 1, "We cannot take any risk with people's lives. The bridge stays shut until every cable "
                             "has been checked, Mayor Ines Okafor said.", speaker="Ines Okafor", kind="person")])
    query = _record(2, 2, "The bridge stays shut until every cable has been checked. We cannot take any risk with "
                          "people's lives, the mayor told journalists.", speaker="mayor", kind="person")
    (match,) = index.search(query, exclude_article=2)
    assert match.kind != CONFLICT, match.reason
    named = _record(3, 3, query.text.replace("the mayor told", "Marta Leclerc told"), speaker="Marta Leclerc",
                    kind="person")
    assert index.search(named, exclude_article=3)[0].kind == CONFLICT


def test_very_short_claims_are_never_same_automatically():
    index = MatchIndex()
    index.add([_record(1, 1, "The bridge is closed.")])
    (match,) = index.search(_record(2, 2, "The bridge is closed."), exclude_article=2)
    assert match.kind == RELATED


def test_numbers_disagree_by_unit():
    a = [{"value": 1100.0, "unit": "death"}]
    assert numbers_disagree(a, [{"value": 220.0, "unit": "death"}])
    assert not numbers_disagree(a, [{"value": 1100.0, "unit": "death"}])
    assert not numbers_disagree(a, [])
    assert numbers_disagree(a, [{"value": 220.0, "unit": "soldier"}])
    assert not numbers_disagree(a, [{"value": 220.0, "unit": "soldier"}], same_unit_only=True)


def test_one_claim_carrying_a_little_more_is_no_disagreement():
    # "closed up $1.64, or 8.5 percent, at $20.85" / "rose $1.64 to close at $20.85": the shorter one
    # leaves a number out, it does not state another one.
    longer = [{"value": 1.64, "unit": "money"}, {"value": 8.5, "unit": "percent"}, {"value": 20.85, "unit": "money"}]
    shorter = [{"value": 1.64, "unit": "money"}, {"value": 20.85, "unit": "money"}]
    assert not numbers_disagree(longer, shorter) and not numbers_disagree(shorter, longer)
    # ... but a number of the same unit that the other does not state is a disagreement
    changed = [{"value": 1.64, "unit": "money"}, {"value": 21.85, "unit": "money"}]
    assert numbers_disagree(longer, changed) and numbers_disagree(changed, shorter)


def test_failing_and_refusing_read_as_negation():
    from claims.nlp.matching.rules import negation_differs

    assert not negation_differs("United paid penalties for failing to meet the targets.",
                                "United paid penalties for not meeting the targets.")
    assert not negation_differs("Carlson refused to recuse himself.", "Carlson said he would not recuse himself.")
    assert negation_differs("Carlson refused to recuse himself.", "Carlson agreed to recuse himself.")


@pytest.mark.parametrize("embed", [match_vectors, lambda texts: claim_vectors(texts)[1]], ids=["match", "reading"])
def test_embeddings_survive_compact_storage(embed):
    vec = embed(["The bridge is closed to traffic."])[0]
    raw = encode_embedding(vec)
    assert len(raw) == 768
    assert float(decode_embedding(raw) @ vec) > 0.999


def test_same_topic_different_assertion_is_related_not_same():
    index = MatchIndex()
    index.add([_record(1, 1, "The council will close the Harbour Bridge to all traffic from Monday for repairs.")])
    query = _record(2, 2, "The repairs to the Harbour Bridge will cost the council twelve million euros, an engineer said.")
    matches = index.search(query, exclude_article=2)
    assert [m.kind for m in matches] == [RELATED]


def test_close_words_but_another_assertion_is_not_same():
    index = MatchIndex()
    index.add([_record(1, 1, "The bridge carried 40,000 vehicles a day before it closed, the transport authority said.")])
    query = _record(2, 2, "The bridge was closed because it could no longer carry heavy lorries, the transport authority said.")
    matches = index.search(query, exclude_article=2)
    assert matches and all(m.kind != SAME for m in matches)


def test_unrelated_claims_are_not_matched_at_all():
    index = MatchIndex()
    index.add([_record(1, 1, "The central bank raised its key interest rate by half a percentage point on Thursday.")])
    query = _record(2, 2, "A photograph shows a shark swimming on a flooded highway in Houston.")
    assert index.search(query, exclude_article=2) == []


def test_score_is_a_probability_and_identical_long_claims_are_same():
    text = "The Harbour Bridge will stay closed to all traffic for at least eight months of repairs."
    index = MatchIndex()
    index.add([_record(1, 1, text)])
    (match,) = index.search(_record(2, 2, text), exclude_article=2)
    assert match.kind == SAME
    assert 0.0 <= match.score <= 1.0 and 0.0 <= match.lexical <= 1.0 and 0.0 <= match.semantic <= 1.0


def test_index_grows_incrementally_and_switches_to_hnsw_past_the_exact_limit():
    texts = [f"Claim number {i} says the bridge carries {i * 100} vehicles a day." for i in range(40)]
    match = match_vectors(texts)
    index = MatchIndex(exact_limit=25)
    index.add(ClaimRecord(id=i + 1, article_id=i + 1, text=t, match_embedding=m)
              for i, (t, m) in enumerate(zip(texts[:20], match[:20])))
    assert not index.dense.approximate
    index.add(ClaimRecord(id=i + 1, article_id=i + 1, text=t, match_embedding=m)
              for i, (t, m) in enumerate(zip(texts, match)) if i >= 20)
    assert index.dense.approximate and len(index) == 40 and index.max_id == 40
    query = ClaimRecord(id=99, article_id=99, text=texts[33], match_embedding=match[33])
    assert index.rank(query, k=1, method="minilm")[0][0] == 34
    assert index.get(34).text == texts[33]


def test_search_many_agrees_with_search():
    index = MatchIndex()
    index.add([_record(1, 1, "About 40,000 vehicles cross the Harbour Bridge every day, the transport authority said."),
               _record(2, 1, "The bridge was built in 1932 and last renovated in 1998.")])
    queries = [_record(10, 5, "Every day about 40,000 vehicles cross the Harbour Bridge, the authority said."),
               _record(11, 5, "The Harbour Bridge opened in 1932 and was last renovated in 1998.")]
    assert index.search_many(queries, exclude_article=5) == [index.search(q, exclude_article=5) for q in queries]


def test_tweet_signature_links_and_hashtags_are_cleaned():
    from claims.nlp.matching.features import clean_claim_text

    raw = "Vaccines contain microchips #BigPharmaLies https://t.co/abc — Jo Bloggs (@jo_b) March 3, 2021"
    assert clean_claim_text(raw) == "Vaccines contain microchips Big Pharma Lies (Jo Bloggs)"
    assert clean_claim_text("@cnn@HillaryClinton why?") == "cnn Hillary Clinton why?"


def test_a_claim_without_its_matching_embedding_is_refused_with_a_clear_error():
    index = MatchIndex()
    with pytest.raises(ValueError, match="no stored embedding"):
        index.add([ClaimRecord(id=1, article_id=1, text="The bridge is closed.")])
    assert len(index) == 0


def test_headline_vector_is_kept_once_per_article_and_ranks_a_claim_about_it():
    headline = "Harbour Bridge to close for eight months of repairs"
    stored = [_record(1, 1, "Work will start on Monday, the council said."),
              _record(3, 1, "The bridge was built in 1932."),
              _record(2, 2, "Work will start on Monday, the school board said.")]
    for rec in stored[:2]:
        rec.context, rec.context_embedding = headline, match_vectors([headline])[0]
    index = MatchIndex()
    index.add(stored[:1])
    index.add(stored[1:])  # the article's second claim, in a later batch
    assert len(index.headlines) == 1  # one vector per article, however many claims
    assert index.get(3).context == headline and float(index.get(3).context_embedding @ stored[0].context_embedding) > 0.999
    assert index.get(2).context_embedding is None
    query = _record(9, 9, "Repairs will close the Harbour Bridge for eight months, starting on Monday.")
    assert index.rank(query, k=1)[0][0] == 1


@pytest.mark.parametrize(
    "earlier, new, reason",
    [
        ("Unemployment in the region rose to 5.1 percent in March, the statistics office said.",
         "Unemployment in the region fell to 5.1 percent in March, the statistics office said.", "up"),
        ("The new vaccine is safe for children under twelve, the health agency said on Tuesday.",
         "The new vaccine is not safe for children under twelve, the health agency said on Tuesday.", "negated"),
    ],
)
def test_near_identical_claims_saying_the_opposite_are_a_conflict_not_same(earlier, new, reason):
    index = MatchIndex()
    index.add([_record(1, 1, earlier)])
    (match,) = index.search(_record(2, 2, new), exclude_article=2)
    assert match.kind == CONFLICT
    assert reason in match.reason


def test_direction_and_negation_rules_leave_agreeing_claims_alone():
    from claims.nlp.matching.rules import directions_disagree, negation_differs

    assert not directions_disagree("Prices rose by 3 percent.", "Prices climbed 3 percent.")
    assert not directions_disagree("Prices rose, then fell.", "Prices fell after they rose.")
    assert directions_disagree("Crime went down last year.", "Crime went up last year.")
    assert not negation_differs("He did not attend.", "He didn't attend.")
    assert negation_differs("He attended.", "He didn't attend.")


@pytest.fixture(scope="module")
def forty_records():
    texts = [f"Claim number {i} says the bridge carries {i * 100} vehicles a day." for i in range(40)]
    match = match_vectors(texts)
    return [ClaimRecord(id=i + 1, article_id=i + 1, text=t, match_embedding=m)
            for i, (t, m) in enumerate(zip(texts, match))]


def _no_build(monkeypatch):
    from claims.nlp.matching.ann import DenseIndex

    def refuse(self):
        raise AssertionError("the graph was rebuilt instead of restored")

    monkeypatch.setattr(DenseIndex, "build", refuse)


def test_a_saved_graph_is_reused_by_the_next_worker_and_extended(forty_records, tmp_path, monkeypatch):
    path = tmp_path / "graph.usearch"
    # One thread: usearch inserts concurrently with several, and the graph (so which near-tie
    # neighbour an approximate search misses, once in a few runs on these 40 near-identical
    # claims) would change from run to run; with one it is the same graph every time.
    first = MatchIndex.load(forty_records[:30], graph_path=path, exact_limit=20, threads=1)
    assert first.dense.approximate and first.saved_rows == 30 and path.exists()
    query = dataclasses.replace(forty_records[35], id=999, article_id=999)  # a new claim, same words
    _no_build(monkeypatch)
    again = MatchIndex.load(forty_records, graph_path=path, exact_limit=20, threads=1)  # ten stored since
    assert again.dense.approximate and again.saved_rows == 30 and len(again) == 40
    assert again.rank(query, k=1, method="minilm")[0][0] == 36  # a row added after the save is found
    assert again.search(query, exclude_article=query.article_id) == \
        MatchIndex.load(forty_records, exact_limit=1000).search(query, exclude_article=query.article_id)


def test_a_graph_over_claims_deleted_since_is_reused_and_never_returns_them(forty_records, tmp_path, monkeypatch):
    path = tmp_path / "graph.usearch"
    MatchIndex.load(forty_records[:30], graph_path=path, exact_limit=20)
    _no_build(monkeypatch)
    gone = {1, 17}  # a re-queued article's claims were deleted since the graph was saved
    kept = [r for r in forty_records if r.id not in gone]
    index = MatchIndex.load(kept, graph_path=path, exact_limit=20, live_ids=[r.id for r in kept])
    assert index.dense.approximate and index.saved_rows == 30
    assert 17 not in index and 18 in index and index.max_id == 40
    deleted_twin = dataclasses.replace(forty_records[16], id=999, article_id=999)  # the words of claim 17
    assert 17 not in [cid for cid, _ in index.rank(deleted_twin, k=40, method="minilm")]
    assert all(m.claim_id not in gone for m in index.search(deleted_twin, k=40))
    query = dataclasses.replace(forty_records[35], id=998, article_id=998)
    assert index.rank(query, k=1, method="minilm")[0][0] == 36


def test_a_graph_of_mostly_other_claims_gets_no_placeholders(forty_records, tmp_path):
    path = tmp_path / "graph.usearch"
    MatchIndex.load(forty_records[:30], graph_path=path, exact_limit=20)
    others = [dataclasses.replace(r, id=r.id + 100) for r in forty_records]  # a database started afresh
    index = MatchIndex.load(others, graph_path=path, exact_limit=20, live_ids=[r.id for r in others])
    assert len(index) == 40 and index.saved_rows == 40  # rebuilt over its own claims only


def test_a_graph_that_does_not_fit_is_rebuilt_not_trusted(forty_records, tmp_path):
    path = tmp_path / "graph.usearch"
    # the saving worker indexed claim 3 late (it committed after claims 4-30): its rows differ
    late_first = MatchIndex(exact_limit=20)
    late_first.add([r for r in forty_records[:30] if r.id != 3])
    late_first.add([forty_records[2]])
    assert late_first.save_graph(path)
    query = dataclasses.replace(forty_records[35], id=999, article_id=999)
    changed = MatchIndex.load(forty_records, graph_path=path, exact_limit=20)
    assert changed.dense.approximate and changed.saved_rows == 40  # rebuilt, then saved afresh
    assert changed.rank(query, k=1, method="minilm")[0][0] == 36
    # a damaged file
    path.write_bytes(b"not a graph")
    damaged = MatchIndex.load(forty_records[1:], graph_path=path, exact_limit=20)
    assert damaged.dense.approximate and damaged.rank(query, k=1, method="minilm")[0][0] == 36


def test_a_graph_that_cannot_be_saved_leaves_a_working_index_and_no_temporary_files(forty_records, tmp_path,
                                                                                     monkeypatch):
    from claims.nlp.matching.ann import DenseIndex

    def full_disk(self, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(DenseIndex, "save", full_disk)
    index = MatchIndex.load(forty_records, graph_path=tmp_path / "graph.usearch", exact_limit=20)
    query = dataclasses.replace(forty_records[35], id=999, article_id=999)
    assert index.dense.approximate and index.rank(query, k=1, method="minilm")[0][0] == 36
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.usearch.lock"]


def test_the_cross_encoder_loads_after_an_hnsw_graph_was_built():
    """A worker past 50k claims builds its graph before its first `same` decision loads ONNX Runtime;
    importing onnxruntime after usearch crashed the process (segfault), so it runs in a fresh one."""
    import subprocess
    import sys

    code = """
import numpy as np
from claims.nlp.matching.ann import DenseIndex
rng = np.random.default_rng(0)
index = DenseIndex(384, exact_limit=100)
index.add((rng.normal(size=(500, 384)) / 20).astype(np.float32))
assert index.approximate
from claims.nlp.matching.pairs import shared_model
print(round(float(shared_model().probabilities([("The bridge is shut.", "The bridge is closed.")])[0]), 2))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert 0.0 <= float(done.stdout.strip()) <= 1.0


def test_a_number_one_claim_denies_and_the_other_states_is_a_conflict_of_numbers():
    # "20 million, not 12 million": the 12 million is denied, so the claim contradicts the one that
    # states 12 million, although its quantities hold that number too
    index = MatchIndex()
    index.add([_record(1, 1, "The repairs to the ferry pier would cost about 12 million euros, the harbour master said.",
                       [{"text": "about 12 million euros", "value": 12e6, "unit": "money"}])])
    query = _record(2, 2, "The repairs to the ferry pier would cost about 20 million euros, not 12 million euros, "
                          "the harbour master said.",
                    [{"text": "about 20 million euros", "value": 20e6, "unit": "money"},
                     {"text": "12 million euros", "value": 12e6, "unit": "money"}])
    (match,) = index.search(query, exclude_article=2)
    assert match.kind == CONFLICT
    assert "numbers" in match.reason


def test_denied_only_where_the_number_follows_a_denial():
    from claims.nlp.matching.rules import denied

    q = {"text": "12 million euros"}
    assert denied("about 20 million euros, not 12 million euros as the engineer said", q)
    assert denied("20 million euros rather than the 12 million euros", q)
    assert not denied("the repairs would cost 12 million euros, not 20", q)
    assert not denied("not only 12 million euros but more", q)


def test_a_bound_or_an_about_agrees_with_the_number_it_allows():
    def q(text, value, unit="money"):
        return [{"text": text, "value": value, "unit": unit}]

    # "more than $7 million" allows $7.1 million; "about 25,000" allows 24,800
    assert not numbers_disagree(q("more than $7 million", 7e6), q("$7.1 million", 7.1e6))
    assert not numbers_disagree(q("about 25,000", 25000.0, "vehicle"), q("24,800", 24800.0, "vehicle"))
    # but not what they rule out, nor a number far from an "about"
    assert numbers_disagree(q("more than $7 million", 7e6), q("$6.5 million", 6.5e6))
    assert numbers_disagree(q("about 25,000", 25000.0, "vehicle"), q("40,000", 40000.0, "vehicle"))
    # two limits the same way are two different limits
    assert numbers_disagree(q("less than $120,000", 120000.0), q("less than $11,000", 11000.0))
    # plain numbers still have to be the same
    assert numbers_disagree(q("$1.71 million", 1.71e6), q("$1.5 million", 1.5e6))


@pytest.mark.parametrize(
    ("negated", "plain"),
    [
        ("The ferry company declined to comment on the timetable.", "The ferry company had no comment on the timetable."),
        ("The row began with the mayor's refusal to sign the harbour budget.", "The row began when the mayor refused to sign the harbour budget."),
        ("I dont think the bridge will reopen before the summer.", "I don't think the bridge will reopen before the summer."),
    ],
)
def test_the_same_negation_in_other_words_is_no_negation_conflict(negated, plain):
    from claims.nlp.matching.rules import negation_differs

    assert not negation_differs(negated, plain)


def test_shares_that_declined_are_no_negation():
    from claims.nlp.matching.rules import negation_differs

    assert not negation_differs("Harbour shares declined 4 percent on Monday.", "Harbour shares fell 4 percent on Monday.")
    assert not negation_differs("Ferry revenue declined to $36.9 million.", "Ferry revenue fell to $36.9 million.")
    assert not negation_differs("The skipper died of heart failure on Monday.", "The skipper died of a heart attack on Monday.")
    assert not negation_differs("The mayor declined, through a spokesman, to comment.", "The mayor declined to comment.")
    assert negation_differs("The ferry company declined to comment.", "The ferry company commented.")

"""bench/seed_pairs.py and bench/seed_speakers.py on the seed articles: they run, and print what the
docs (docs/quality.md) say they print."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import seed_pairs  # noqa: E402
import seed_speakers  # noqa: E402


def _rows(out: str, sep: str = "|") -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip(sep).split(sep)] for line in out.splitlines() if sep in line]


def test_seed_pairs_finds_the_same_claims_and_the_conflict(seed_paths, capsys):
    assert seed_pairs.main(["--seeds", str(seed_paths[0].parent), "--width", "200"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)[1:]  # the header row first
    same = [r for r in rows if r[2] == "same"]
    assert {r[4] for r in same} == {"1"}, same  # each same claim is first among its matches
    assert any("Wagner assault units" in r[0] for r in same)
    assert any("A visit by Xi to Russia" in r[0] and "Mr Xi" in r[1] for r in same)
    assert any("International Criminal Court" in r[0] for r in same)
    conflict = [r for r in rows if r[2] == "conflict"]
    assert any("situation in Bakhmut is difficult" in r[0] for r in conflict), conflict
    assert out.strip().splitlines()[-1].startswith("matches by kind:")


def test_seed_speakers_credits_who_asserts(seed_paths, capsys):
    assert seed_speakers.main(["--seeds", str(seed_paths[0].parent), "--width", "300"]) == 0
    rows = {r[1]: (r[2], r[3]) for r in _rows(capsys.readouterr().out)[2:]}

    def row(start: str):
        found = [v for k, v in rows.items() if k.startswith(start)]
        assert len(found) == 1, (start, found)
        return found[0]

    # two sources in one sentence: two claims, each with its own speaker
    assert row("President Volodymyr Zelensky, claimed") == ("Volodymyr Zelensky (person)", "reported")
    assert row("Russia’s ministry of defence claimed") == ("Russia’s ministry of defence (organisation)", "reported")
    # officials who told the media are named, not anonymous
    assert row("Bakhmut municipal officials told") == ("Bakhmut municipal officials (organisation)", "reported")
    # narrative and people spoken about have no speaker
    assert row("Oleksandr Matsievskiy was unarmed") == ("—", "none")
    assert row("A visit by Mr Xi to Russia") == ("—", "none")
    # "They" is the group the sentence before named
    assert row("They want Beijing") == ("Ukrainians (organisation)", "reported")

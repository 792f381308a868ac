"""Honorifics and title words: the one list the name rules read.

Three uses, each a column of ``TITLES`` rather than a list of its own:

- ``strip``: taken off the front of a name before it becomes a speaker ("Gov. John Kasich" →
  "John Kasich"), and a sign that the words after it name a person (``TITLE_PREFIX``);
- ``key``: ignored when two spellings of a name are compared for one speaker record
  (``NAME_TITLE``, ``claims.nlp.speakers``);
- ``role``: a role word that, in front of proper nouns NER missed, names a person and is
  remembered with them for "the mayor" later (``TITLE_WORDS``).

The columns differ on purpose (the measured attribution and the stored speaker keys depend on
them): "the" is stripped from a source but is no title; "prosecutor" is a role but no honorific.
"""

from __future__ import annotations

import re

# (word or phrase, strip, key, role)
TITLES: tuple[tuple[str, bool, bool, bool], ...] = (
    ("mr", True, True, False),
    ("mrs", True, True, False),
    ("ms", True, True, False),
    ("miss", True, True, False),
    ("dr", True, True, False),
    ("prof", True, True, False),
    ("professor", True, False, False),
    ("president", True, True, True),
    ("prime minister", True, True, False),
    ("pm", True, False, False),
    ("sir", True, True, False),
    ("dame", True, True, False),
    ("lord", True, False, False),
    ("lady", True, False, False),
    ("colonel general", True, False, False),
    ("general", True, True, True),
    ("colonel", True, False, False),
    ("gen", True, False, False),
    ("col", True, False, False),
    ("sen", True, False, False),
    ("senator", True, True, True),
    ("rep", True, False, False),
    ("gov", True, False, False),
    ("governor", True, True, True),
    ("mayor", True, True, True),
    ("judge", True, False, True),
    ("justice", True, False, False),
    ("minister", True, True, True),
    ("deputy", True, False, False),
    ("chancellor", True, True, True),
    ("king", True, True, False),
    ("queen", True, True, False),
    ("prince", True, True, False),
    ("princess", True, True, False),
    ("pope", True, True, False),
    ("councillor", True, True, True),
    ("councilor", True, False, True),
    ("councilman", True, False, False),
    ("councilwoman", True, False, False),
    ("spokesman", True, False, False),
    ("spokeswoman", True, False, False),
    ("ambassador", True, False, True),
    ("bishop", True, False, False),
    ("captain", True, False, False),
    ("sergeant", True, False, False),
    ("inspector", True, False, False),
    ("detective", True, False, False),
    ("coach", True, False, False),
    ("chief", True, False, True),
    ("commander", True, False, True),
    ("adviser", True, False, False),
    ("advisor", True, False, False),
    ("secretary", True, False, True),
    ("lieutenant", True, False, False),
    ("major", True, False, False),
    ("prosecutor", False, False, True),
    ("the", True, False, False),
)


def _prefix(words) -> re.Pattern:
    return re.compile(r"^(" + "|".join(words) + r")\.?\s+", re.I)


# A title at the start of a name, with its optional full stop and the space after it.
TITLE_PREFIX = _prefix(w for w, strip, _, _ in TITLES if strip)
# The titles two spellings of one person's name may differ by ("Mr Xi" / "Xi Jinping").
NAME_TITLE = _prefix(w for w, _, key, _ in TITLES if key)
# Role words that, in front of a name, say who the person is ("Mayor Ines Okafor").
TITLE_WORDS = frozenset(w for w, _, _, role in TITLES if role)

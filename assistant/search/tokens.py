"""Terms for lexical search: tokenising, stemming, stop words and the abbreviation glossary."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from importlib import resources

# Bump when tokenising changes in a way the files below do not show (the word pattern, the
# glossary expansion rule): an index records it in its fingerprint (indexing.manifest), and
# an index tokenised under another version is re-tokenised by `assistant index update`.
TOKENIZER_VERSION = 1
STEMMER_ALGORITHM = "english"

_WORD = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)?")

# Function words that carry no topic. Negations ("not", "no") are stop words for
# ranking too: polarity is judged on whole sentences in the answer stage, not here.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves us also many much s t""".split()
)
# "up" matters inside "speak up"; keep it so "freedom to speak up" stays distinctive.
STOP_WORDS = STOP_WORDS - {"up"}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: Snowball, in C

    return Stemmer.Stemmer(STEMMER_ALGORITHM)


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """Abbreviation (lower case) -> expansion, from assistant/data/glossary.tsv."""
    text = resources.files("assistant").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
    entries = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbr, _, expansion = line.partition("\t")
        entries[abbr.strip().lower()] = expansion.strip()
    return entries


def words(text: str) -> list[str]:
    """Lower-cased word tokens, before stemming or stop-word removal."""
    return _WORD.findall(text.lower().replace("’", "'"))


def stem_all(tokens: list[str]) -> list[str]:
    stemmed: list[str] = _stemmer().stemWords(tokens)
    return stemmed


def tokenize(text: str, expand: bool = True) -> list[str]:
    """Stemmed content terms of ``text`` for BM25.

    With ``expand``, each glossary abbreviation also contributes its expansion's
    terms, on both the passage and the query side, so "FTSU" and "Freedom to
    Speak Up" meet in the middle.
    """
    raw = words(text)
    out = [w for w in raw if w not in STOP_WORDS]
    if expand:
        gloss = glossary()
        for w in raw:
            expansion = gloss.get(w) or (gloss.get(w[:-1]) if w.endswith("s") else None)
            if expansion:
                out.extend(t for t in words(expansion) if t not in STOP_WORDS)
    return stem_all(out)

"""Search terms of a catalogue item: its synonyms and common words as the
staff wrote them (Item.keywords), and their pinyin (full and initials) so
"ld" or "ludeng" find 路灯 on a phone keyboard without switching input."""

from __future__ import annotations

import re
import unicodedata


SEPARATORS = re.compile(r"[\s,，、;；|/／]+")
PINYIN_MAX = 600


def normalise(text: str) -> str:
    """What the resident typed, as stored terms are compared: NFKC (full-width
    letters and spaces), lower case, trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def synonyms(keywords: str) -> list[str]:
    return [term for term in SEPARATORS.split(normalise(keywords)) if term]


def pinyin_terms(name: str, keywords: str) -> str:
    """Space-separated initials and full pinyin of the name and each synonym
    ("ldsh ludengsunhuai ld ludeng …"); what has no Chinese adds nothing."""
    # Imported here: pypinyin's dictionaries take about 55 MB, which every web
    # worker would carry although only a catalogue change needs them (the
    # residents' search reads the stored terms). bench/uploads.py measures it.
    from pypinyin import lazy_pinyin

    terms: list[str] = []
    for phrase in [normalise(name), *synonyms(keywords)]:
        syllables = [s for s in lazy_pinyin(phrase, errors="ignore") if s.isascii() and s.isalpha()]
        if syllables:
            terms += ["".join(s[0] for s in syllables), "".join(syllables)]
    text = " ".join(dict.fromkeys(terms))
    return text[:PINYIN_MAX].rsplit(" ", 1)[0] if len(text) > PINYIN_MAX else text


def is_pinyin_query(query: str) -> bool:
    return len(query) >= 2 and query.isascii() and query.isalpha()

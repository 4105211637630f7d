"""Finding people on the roster by what a person types: part of a name, a unit or a 职务, or a name's pinyin
initials (`zsy` finds 赵示一). Pure.

Matching folds width and case and ignores spaces, so `ＺＳＹ`, `Zsy` and `赵 示一` all find the same person.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from quiz.roster.names import SURNAME_READINGS


def fold(text: str) -> str:
    """Width- and case-folded, without white space: the form both sides of a match are compared in."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _is_initials_query(query: str) -> bool:
    return query.isascii() and query.isalpha()


@lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """The name's pinyin initials in lower case (赵示一 → zsy); a surname by its surname reading (单 → s),
    other characters by their most common reading; letters and digits kept, anything else dropped."""
    # Imported here: the character dictionary holds ~55 MB, loaded only once someone searches by initials.
    from pypinyin.pinyin_dict import pinyin_dict

    letters = []
    for index, char in enumerate(name):
        if index == 0 and char in SURNAME_READINGS:
            reading = SURNAME_READINGS[char]
        else:
            reading = pinyin_dict.get(ord(char), char).split(",")[0]
        first = unicodedata.normalize("NFKD", reading[:1])[:1].casefold()
        if first.isascii() and first.isalnum():
            letters.append(first)
    return "".join(letters)


def person_matches(query: str, name: str, position: str = "", unit: str = "") -> bool:
    """Whether the query is part of the name, the 职务 or the unit's name, or (letters only) of the name's
    pinyin initials. An empty query matches everyone."""
    folded = fold(query)
    if not folded:
        return True
    if any(folded in fold(field) for field in (name, position, unit)):
        return True
    return _is_initials_query(folded) and folded in initials(fold(name))

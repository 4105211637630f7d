"""How to say a name: pinyin for the characters a host may not know. Pure.

A character is shown with pinyin when it is outside GB2312's level-1 set (the 3,755 most common characters),
or when it is a surname read differently from its everyday reading (覃 qín, 单 shàn, 解 xiè …).
"""

from __future__ import annotations

SURNAME_READINGS = {
    "覃": "qín", "单": "shàn", "解": "xiè", "仇": "qiú", "区": "ōu", "查": "zhā", "朴": "piáo", "盖": "gě",
    "曾": "zēng", "缪": "miào", "翟": "zhái", "尉": "yù", "黑": "hè", "繁": "pó", "员": "yùn", "乐": "yuè",
    "召": "shào", "华": "huà", "种": "chóng", "冼": "xiǎn", "隗": "wěi", "逄": "páng", "宓": "mì", "阚": "kàn",
    "眭": "suī", "蒯": "kuǎi", "訾": "zī", "秘": "bì", "纪": "jǐ", "相": "xiàng", "过": "guō", "句": "gōu",
}


def is_common(char: str) -> bool:
    """True for a GB2312 level-1 character (or anything that is not a Chinese character)."""
    if not "\u4e00" <= char <= "\u9fff":
        return True
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return 0xB0 <= encoded[0] <= 0xD7


def _hint(index: int, char: str) -> str | None:
    if index == 0 and char in SURNAME_READINGS:
        return SURNAME_READINGS[char]
    if not is_common(char):
        # Imported here: pypinyin's dictionaries hold ~55 MB, and most processes (the job worker, a meeting
        # without rare names) never need them.
        from pypinyin import Style, pinyin

        return pinyin(char, style=Style.TONE)[0][0]
    return None


def reading_hints(name: str) -> list[tuple[str, str]]:
    """(character, pinyin) for each character of the name a host might misread."""
    return [(char, hint) for index, char in enumerate(name) if (hint := _hint(index, char))]


def with_hints(name: str) -> str:
    """The name with pinyin after each hard character: 覃(qín)松洁."""
    return "".join(f"{char}({hint})" if (hint := _hint(index, char)) else char for index, char in enumerate(name))

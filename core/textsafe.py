"""Characters that break files and encoders, found and removed in one place. Pure.

Text reaches us from spreadsheets, JSON files, forms and sockets. Two kinds of character in it break things
later, far from where they came in: C0/C1 control characters (other than tab and line ends), which XML 1.0 —
so every .xlsx and .docx — cannot hold, and lone UTF-16 surrogates (`"\\ud800"` is valid JSON), which cannot
be encoded as UTF-8 at all. Input is cleaned with a count (so an import can say what it removed, never
silently); output is made safe so one stray character never fails a whole export.
"""

from __future__ import annotations

import re

# Tab, line feed and carriage return are text; every other C0 control, DEL and the C1 block are not. Lone
# surrogates cannot be encoded; U+FFFE/U+FFFF are not characters (XML refuses them too).
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Word and WPS put a vertical tab or form feed where a person pressed Shift+Enter: that was a line break.
LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def has_unsafe(text: str) -> bool:
    """Whether the text holds a control character or a lone surrogate."""
    return UNSAFE.search(text) is not None


def clean_text(text: str) -> tuple[str, int]:
    """The text with unsafe characters removed (vertical tab and form feed become line breaks), and how many
    characters were changed."""
    if not UNSAFE.search(text):
        return text, 0
    changed = len(UNSAFE.findall(text))
    return UNSAFE.sub("", text.translate(LINE_BREAKS)), changed


def xml_safe(value: object) -> object:
    """A value ready for an .xlsx or .docx cell: strings lose what XML cannot hold, other values pass."""
    if isinstance(value, str) and UNSAFE.search(value):
        return UNSAFE.sub("", value.translate(LINE_BREAKS))
    return value


def first_unsafe(text: str) -> int | None:
    """The 1-based position of the first unsafe character, for a message that helps find it."""
    match = UNSAFE.search(text)
    return None if match is None else match.start() + 1


# Characters a person cannot see on a page: controls, format characters (zero-width spaces, direction marks),
# lone surrogates. A report quoting a bad row names them instead, so "看不见的字符" can be found and deleted.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       "\ufeff\ud800-\udfff\ufffe\uffff]")
SHOWN_AS = str.maketrans({"\t": "⇥", "\n": "↵", "\r": "↵"})


def visible(text: str) -> str:
    """The text with line breaks and tabs as ↵ and ⇥, and every invisible character as ⟨U+XXXX⟩."""
    return INVISIBLE.sub(lambda match: f"⟨U+{ord(match.group(0)):04X}⟩", text.translate(SHOWN_AS))

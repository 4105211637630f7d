"""The roster wing: units and people, their spreadsheet import and export, pinyin hints for names.

Reads nothing of the other wings (roster ← live ← review ← quarter)."""

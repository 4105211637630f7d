"""The meeting, one wing per area: roster ← live ← review ← quarter (each reads only the wings to its left).

May read `question_bank`; the bank never imports this package. See docs/architecture.md.
"""

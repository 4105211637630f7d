"""Infrastructure shared by the question bank and the meeting: configuration, database, accounts.

Both `question_bank` and `quiz` import from here; `core` imports neither.
"""

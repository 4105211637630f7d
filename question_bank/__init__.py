"""The doctrine question bank: model, validation, import/export, search and the random draw.

Never imports `quiz`: the meeting reads the bank, not the other way round.
"""

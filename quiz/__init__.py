"""The meeting: roster, live engine, scoring and the pages of host, projector and phones.

May read `question_bank`; the bank never imports this package.
"""

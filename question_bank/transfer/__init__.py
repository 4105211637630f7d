"""Import and export of the bank as .xlsx, .csv and JSON: pure parsing, formatting and the dry-run report."""

FORMAT_NAME = "shuji-wenxiao/question-bank"
FORMAT_VERSION = 1

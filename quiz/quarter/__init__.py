"""The quarter wing: settings and state, the ranking formula, its inputs from raw events, 日常考核, stored
results and their log, reports and the quarter's pages and CLI.

Reads every other wing; no other wing reads it."""

"""The live wing: meetings, attendees and seat cards, the round engine, scoring and calling, the answer writer,
snapshots and broadcasts, the Socket.IO handlers and the console, projector and phone pages.

Reads the roster wing (and question_bank)."""

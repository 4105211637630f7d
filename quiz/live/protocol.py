"""Socket.IO event and room names, defined once (docs/protocol.md describes each).

Client → server events are verbs; server → client events are nouns.
"""

from __future__ import annotations

# server → client
STATE = "state"  # the audience's whole current state (phones, projector, console each get their own view)
ANSWER_COUNT = "answer_count"  # aggregated, a few times a second at most, projector and console only
RESULT = "result"  # one phone's own result after the reveal
PRESENCE = "presence"  # to consoles: who is connected at each venue, a few times a second at most on change
BINDING_ENDED = "binding_ended"  # to a phone whose binding was released or moved; the server then disconnects it

# client → server (every one answers through its ack)
SYNC = "sync"
CLOCK = "clock"
WHO_AM_I = "who_am_i"  # a phone's own personal code and device token (after joining as audience over the socket)
SUBMIT_ANSWER = "submit_answer"
HOST_COMMANDS = (
    "start_meeting", "end_meeting", "set_segment", "draw_person", "redraw_person", "exclude_person",
    "include_person", "draw_question", "pick_question", "show_question", "pause_question", "resume_question",
    "extend_question", "close_question", "reveal_answer", "replace_question", "next_question", "score_oral",
    "set_attendance", "approve_device", "release_device",
    "review_select", "review_part", "review_speech", "review_open_vote", "review_close_vote", "review_reveal",
    "review_comment", "review_commitment", "review_rate_commitment", "paper_tally",
    "reopen_meeting", "hand_over_main",
)
# venue operator (分会场管理员) → server: only at the operator's own venue (quiz/live/operating.py)
OPERATOR_COMMANDS = ("venue_set_attendance", "venue_approve_device", "venue_release_device", "venue_answer_tally",
                     "venue_paper_tally")
SUBMIT_RATING = "submit_rating"
VOTE_COUNT = "vote_count"  # aggregated turnout of the review vote, like ANSWER_COUNT


def phones(meeting_id: int) -> str:
    """Every phone of the meeting."""
    return f"m{meeting_id}:phones"


def screen(meeting_id: int) -> str:
    """Every projector of the meeting, at every venue (counts go here; states go to each venue's room)."""
    return f"m{meeting_id}:screen"


def venue_screen(venue_id: int) -> str:
    """The projector(s) of one venue (each hall's shows its own code and attendance)."""
    return f"v{venue_id}:screen"


def venue_operators(venue_id: int) -> str:
    """The operator pages of one venue (分会场管理员)."""
    return f"v{venue_id}:operators"


def host(meeting_id: int) -> str:
    """The consoles of the meeting."""
    return f"m{meeting_id}:host"


def attendee(attendee_id: int) -> str:
    """One attendee's phone(s)."""
    return f"a{attendee_id}"

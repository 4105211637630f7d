"""The import graph keeps the arrows of docs/architecture.md: between quiz's wings roster ← live ← review ←
quarter (a wing imports only wings to its left); question_bank never imports quiz; core imports neither area;
pure modules import no Flask, no SQLAlchemy and no module that does.

A small AST walk over every import statement, the lazy ones inside functions included. The crossings that
existed when the wings were cut are listed in KNOWN_CROSSINGS with their reason: a new one fails, and so does a
listed one that has gone (take it off the list, so the list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINGS = ("roster", "live", "review", "quarter")  # each may import only the ones before it
PURE = {
    "core.accounts.roles", "core.connlimits", "core.textsafe", "core.import_report", "core.progress",
    "question_bank.kinds", "question_bank.textnorm", "question_bank.rules", "question_bank.draw",
    "question_bank.transfer", "question_bank.transfer.cells", "question_bank.transfer.columns",
    "question_bank.transfer.reading", "question_bank.transfer.report", "question_bank.transfer.writing",
    "question_bank.transfer.fixes",
    "quiz.roster.transfer", "quiz.roster.names", "quiz.roster.fixes", "quiz.roster.search",
    "quiz.live.engine", "quiz.live.scoring", "quiz.live.calling", "quiz.live.answers", "quiz.live.results",
    "quiz.live.protocol", "quiz.live.payloads", "quiz.live.qr",
    "quiz.review.ballots",
    "quiz.quarter.ranking", "quiz.quarter.reports.text", "quiz.quarter.reports.workbook",
}
IMPURE_LIBRARIES = ("flask", "flask_socketio", "flask_wtf", "sqlalchemy", "werkzeug")

# (importer, imported) → why it still runs against the arrows. Remove an entry when its import goes.
KNOWN_CROSSINGS = {
    # The live socket layer carries every segment of a meeting, the review's too: its commands, snapshots and
    # broadcasts call the review's service (the next step: review registers its commands and snapshot parts).
    ("quiz.live.commands", "quiz.review.ballot_box"): "the vote's key is opened before a review command",
    ("quiz.live.commands", "quiz.review.ballots"): "BadBallot is answered like an illegal move",
    ("quiz.live.commands", "quiz.review.service"): "review host commands are dispatched with the others",
    ("quiz.live.events", "quiz.review.ballots"): "a phone's ballot arrives on the meeting's socket",
    ("quiz.live.events", "quiz.review.models"): "a phone's ballot arrives on the meeting's socket",
    ("quiz.live.events", "quiz.review.service"): "a phone's ballot arrives on the meeting's socket",
    ("quiz.live.snapshots", "quiz.review.ballots"): "the snapshot of a review segment",
    ("quiz.live.snapshots", "quiz.review.models"): "the snapshot of a review segment",
    ("quiz.live.snapshots", "quiz.review.service"): "the snapshot of a review segment",
    ("quiz.live.publish", "quiz.review.models"): "the review's result is sent after the reveal",
    ("quiz.live.publish", "quiz.review.service"): "the review's result is sent after the reveal",
    ("quiz.live.hosting", "quiz.review.service"): "ending a meeting closes its open votes; a review segment "
                                                  "gets its items when the agenda reaches it",
    ("quiz.live.views.meeting_pages", "quiz.review.ballots"): "the meeting form reads the review segment's criteria",
    # The quarter's settings and records reach back into the meeting that feeds them.
    ("quiz.live.hosting", "quiz.quarter.models"): "scoring reads the quarter's settings; a re-mark is recorded "
                                                  "as a ScoreCorrection",
    ("quiz.live.meetings", "quiz.quarter.models"): "last quarter's bottom units are proposed for a meeting",
    ("quiz.live.meetings", "quiz.quarter.service"): "deleting a meeting is written in the quarter's log",
    ("quiz.live.meetings", "quiz.review.models"): "deleting a meeting frees the commitments it rated",
    ("quiz.review.service", "quiz.quarter.service"): "last quarter's bottom units make a 表态发言",
    # The first start's demo seeds and clears every wing; the roster's import page offers to clear it.
    ("quiz.live.demo", "quiz.quarter.models"): "the demo is cleared from every wing",
    ("quiz.live.demo", "quiz.quarter.service"): "clearing the demo is written in the quarter's log",
    ("quiz.live.demo", "quiz.review.models"): "the demo is cleared from every wing",
    ("quiz.roster.views", "quiz.live.demo"): "the import page offers to clear the demo",
}


def module_name(path: Path) -> str:
    """quiz/live/engine.py → quiz.live.engine; a package's __init__.py is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for top in ("core", "question_bank", "quiz") for p in (ROOT / top).rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every module `name` imports, lazy imports included; `from a import b` counts as a.b when b is a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
    return found


def wing_of(name: str) -> int | None:
    """The wing's place in WINGS for a module of quiz/<wing>/, else None."""
    parts = name.split(".")
    return WINGS.index(parts[1]) if parts[0] == "quiz" and len(parts) > 1 and parts[1] in WINGS else None


def crossings() -> set[tuple[str, str]]:
    """Imports from a wing into a wing to its right."""
    found = set()
    for name in MODULES:
        here = wing_of(name)
        for target in imports_of(name):
            there = wing_of(target)
            if here is not None and there is not None and there > here:
                found.add((name, target))
    return found


def test_the_wings_import_only_to_their_left():
    found = crossings()
    assert found - KNOWN_CROSSINGS.keys() == set(), "imports against roster ← live ← review ← quarter"
    assert KNOWN_CROSSINGS.keys() - found == set(), "gone: take these off KNOWN_CROSSINGS"


def test_quiz_has_no_module_outside_its_wings():
    loose = {name for name in MODULES if name.startswith("quiz") and name != "quiz" and wing_of(name) is None}
    assert loose == set()


def test_question_bank_never_imports_quiz_and_core_imports_no_area():
    wrong = {(name, target) for name in MODULES for target in imports_of(name)
             if (name.startswith("question_bank") and target.split(".")[0] == "quiz")
             or (name.startswith("core") and target.split(".")[0] in ("quiz", "question_bank"))}
    assert wrong == set()


def test_pure_modules_import_no_flask_no_sqlalchemy_and_nothing_impure_of_ours():
    assert PURE - MODULES.keys() == set(), "a pure module listed here no longer exists"
    wrong = set()
    for name in PURE:
        for target in imports_of(name):
            top = target.split(".")[0]
            if top in IMPURE_LIBRARIES or (top in ("core", "question_bank", "quiz") and target not in PURE):
                wrong.add((name, target))
    assert wrong == set()


def test_the_check_sees_a_crossing(tmp_path, monkeypatch):
    """The walk itself: an import from roster into quarter, lazy inside a function, is found."""
    bad = tmp_path / "quiz" / "roster" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from quiz.quarter import ranking\n    return ranking\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setitem(MODULES, "quiz.roster.bad", bad)
    monkeypatch.setitem(MODULES, "quiz.quarter.ranking", bad)
    assert ("quiz.roster.bad", "quiz.quarter.ranking") in crossings()

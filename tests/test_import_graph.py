"""The import graph keeps the arrows of docs/architecture.md: between quiz's wings roster ← live ← review ←
quarter (a wing imports only wings to its left); question_bank never imports quiz; core imports neither area;
pure modules import no Flask, no SQLAlchemy and no module that does.

A small AST walk over every import statement, the lazy ones inside functions included. KNOWN_CROSSINGS, the
allowance for imports against the arrows, is empty (the last ones went behind hooks): any crossing fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINGS = ("roster", "live", "review", "quarter")  # each may import only the ones before it
PURE = {
    "core.accounts.roles", "core.connlimits", "core.textsafe", "core.import_report", "core.progress", "core.hooks",
    "question_bank.kinds", "question_bank.textnorm", "question_bank.rules", "question_bank.draw",
    "question_bank.transfer", "question_bank.transfer.cells", "question_bank.transfer.columns",
    "question_bank.transfer.reading", "question_bank.transfer.report", "question_bank.transfer.writing",
    "question_bank.transfer.fixes",
    "quiz.roster.transfer", "quiz.roster.names", "quiz.roster.fixes", "quiz.roster.search",
    "quiz.live.engine", "quiz.live.scoring", "quiz.live.calling", "quiz.live.answers", "quiz.live.results",
    "quiz.live.protocol", "quiz.live.payloads", "quiz.live.qr", "quiz.live.guide",
    "quiz.review.ballots", "quiz.review.venue_privacy",
    "quiz.quarter.ranking", "quiz.quarter.reports.text", "quiz.quarter.reports.workbook",
}
IMPURE_LIBRARIES = ("flask", "flask_socketio", "flask_wtf", "sqlalchemy", "werkzeug")

# (importer, imported) → why it still runs against the arrows. Empty: where a lower wing needs a higher one it
# calls a hook the higher wing fills (core/hooks.py, quiz/live/hooks.py, quiz/roster/hooks.py). Keep it empty.
KNOWN_CROSSINGS: dict[tuple[str, str], str] = {}


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

"""`flask --app app bank import|export` and `user create-admin`, run through Flask's CLI runner."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.accounts import service as accounts
from question_bank.models import Question
from tests.question_bank.test_exchange import GOOD_AND_BAD


def write(tmp_path: Path, text: str, name: str = "bank.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count(Question.id)))


def test_import_is_a_dry_run_by_default_and_fails_on_bad_rows(runner, session, tmp_path: Path):
    result = runner.invoke(args=["bank", "import", write(tmp_path, GOOD_AND_BAD)])
    assert result.exit_code == 1
    assert "第3行\t答案\t多选题至少需要2个正确答案" in result.output and "仅检查，未写入" in result.output
    assert count(session) == 0


def test_commit_refuses_and_commit_valid_imports(runner, session, tmp_path: Path):
    path = write(tmp_path, GOOD_AND_BAD)
    refused = runner.invoke(args=["bank", "import", path, "--commit"])
    assert refused.exit_code == 1 and "未导入" in refused.output
    assert count(session) == 0
    done = runner.invoke(args=["bank", "import", path, "--commit-valid"])
    assert done.exit_code == 0 and "已导入 4 道题；跳过有问题的行 2 行" in done.output
    assert count(session) == 4


def test_a_clean_file_dry_runs_with_exit_zero(runner, session, tmp_path: Path):
    clean = "\n".join(GOOD_AND_BAD.splitlines()[:2]) + "\n"
    assert runner.invoke(args=["bank", "import", write(tmp_path, clean)]).exit_code == 0


def test_an_unusable_file_is_a_clear_error(runner, session, tmp_path: Path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code != 0 and "另存为 .xlsx" in result.output


def test_export_by_extension(runner, session, tmp_path: Path):
    runner.invoke(args=["bank", "import", write(tmp_path, GOOD_AND_BAD), "--commit-valid"])
    for extension in (".xlsx", ".csv", ".json"):
        target = tmp_path / f"out{extension}"
        result = runner.invoke(args=["bank", "export", str(target)])
        assert result.exit_code == 0 and target.stat().st_size > 0
        again = runner.invoke(args=["bank", "import", str(target)])
        assert "可导入 0，有问题 0，重复 4" in again.output
    assert runner.invoke(args=["bank", "export", str(tmp_path / "out.pdf")]).exit_code != 0


def test_create_admin(runner, session):
    result = runner.invoke(args=["user", "create-admin", "--username", "boss", "--password", "long-enough-pw"])
    assert result.exit_code == 0
    assert accounts.authenticate(session, "boss", "long-enough-pw").role == "admin"
    weak = runner.invoke(args=["user", "create-admin", "--username", "weak", "--password", "short"])
    assert weak.exit_code != 0 and "至少需要8位" in weak.output


def test_long_imports_and_exports_show_progress(runner, session, tmp_path: Path):
    from bench.bankgen import generated_drafts
    from question_bank.transfer.writing import to_csv

    path = tmp_path / "big.csv"
    path.write_bytes(to_csv(generated_drafts(1200)))
    done = runner.invoke(args=["bank", "import", str(path), "--commit"])
    assert done.exit_code == 0 and "已导入 1200 道题" in done.output
    for stage in ("读取文件", "检查内容", "写入题库"):
        assert f"{stage}：完成" in done.output, done.output
    exported = runner.invoke(args=["bank", "export", str(tmp_path / "out.xlsx")])
    assert exported.exit_code == 0 and "写入文件：完成 1200/1200" in exported.output


def test_the_progress_bar_redraws_in_place_on_a_terminal():
    import io

    from core.jobs.progress_bar import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar(screen)
    for done in (0, 50, 100):
        bar("写入文件", done, 100)
    bar.close()
    assert screen.getvalue().count("\r") == 3 and "[" + "#" * 30 + "] 100/100\n" in screen.getvalue()

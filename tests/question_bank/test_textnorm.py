"""Duplicate fingerprints and search folding."""

from question_bank.textnorm import fingerprint, search_terms, search_text, unify_blanks


def test_fingerprint_ignores_width_space_punctuation_and_blank_style():
    a = fingerprint("single", "党的十九大提出，到（  ）各方面制度更加完善。", ["2035年", "2030年"])
    b = fingerprint("single", "党的十九大提出,到____“各方面制度更加完善”", ["２０３５年", " 2030年 "])
    assert a == b


def test_fingerprint_tells_types_stems_and_options_apart():
    base = fingerprint("single", "题干（　　）", ["甲", "乙"])
    assert base != fingerprint("multiple", "题干（　　）", ["甲", "乙"])
    assert base != fingerprint("single", "题干（　　）", ["甲", "丙"])
    assert base != fingerprint("single", "另一题干（　　）", ["甲", "乙"])


def test_unify_blanks_keeps_text_in_brackets():
    assert unify_blanks("《条例（试行）》规定（ ）") == "《条例（试行）》规定□"


def test_search_text_and_terms_fold_width_and_case():
    text = search_text("ＡＢＣ党章", ["选项"], "解析")
    assert "abc党章" in text
    assert search_terms(" 党章  ＡＢＣ ") == ["党章", "abc"]

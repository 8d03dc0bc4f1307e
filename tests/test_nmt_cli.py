"""`infer.py translate` and `python -m zoo.evaluate nmt` on a tiny trained run, including every kind of bad input."""

from __future__ import annotations

import json
import shutil

import jax.numpy as jnp
import pytest
from click.testing import CliRunner

from infer import main as infer_main
from zoo.data.corpora import default_data_dir
from zoo.evaluate import main as evaluate_main
from zoo.nmt import WORKDIR_ENV
from zoo.nmt.predict import Translator
from zoo.nmt.text import split_to_fit
from zoo.nmt.tokenizers import WordTokenizer
from zoo.nmt.translate import score_translations, unknown_source_words
from zoo.training.checkpoint import LATEST, Checkpoints

# Written for these tests; test_held_out_pairs_are_in_no_corpus checks that no shipped corpus holds them.
HELD_OUT = [
    ("The library opens at nine.", "ಗ್ರಂಥಾಲಯ ಒಂಬತ್ತು ಗಂಟೆಗೆ ತೆರೆಯುತ್ತದೆ."),
    ("My sister plants tomatoes every spring.", "ನನ್ನ ತಂಗಿ ಪ್ರತಿ ವಸಂತದಲ್ಲಿ ಟೊಮೆಟೊ ಗಿಡ ನೆಡುತ್ತಾಳೆ."),
    ("The train was late again.", "ರೈಲು ಮತ್ತೆ ತಡವಾಗಿ ಬಂತು."),
]
# Twenty-odd words in three sentences with clauses: far beyond the tiny run's 12-token inputs.
LONG = (
    "Tom is here and Mary is there. We went home early, because it was cold, and then we slept "
    "until noon. I am very tired now, but I am happy."
)


def translate(*args: str, env: dict | None = None):
    return CliRunner().invoke(infer_main, ["translate", *args], env={WORKDIR_ENV: None, **(env or {})})


def evaluate(*args: str):
    return CliRunner().invoke(evaluate_main, ["nmt", *args], env={WORKDIR_ENV: None})


def write_pairs(folder, pairs, name="held_out"):
    src, ref = folder / f"{name}.en", folder / f"{name}.kn"
    src.write_text("".join(en + "\n" for en, _ in pairs), encoding="utf-8")
    ref.write_text("".join(kn + "\n" for _, kn in pairs), encoding="utf-8")
    return src, ref


def test_held_out_pairs_are_in_no_corpus():
    corpus_text = "\n".join(
        path.read_text(encoding="utf-8") for path in default_data_dir().rglob("*") if path.is_file()
    )
    for english, kannada in HELD_OUT:
        assert english not in corpus_text
        assert kannada not in corpus_text


def test_translate_text_prints_one_line(nmt_run):
    workdir, report = nmt_run
    sample = report["samples"][0]
    result = translate(sample["english"], "--workdir", str(workdir), "--beam", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == sample["translation"] + "\n"


def test_translate_reads_the_workdir_from_the_environment(nmt_run):
    workdir, report = nmt_run
    sample = report["samples"][0]
    result = translate(sample["english"], "--json", env={WORKDIR_ENV: str(workdir)})
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert entry["english"] == sample["english"]
    assert entry["kannada"] == sample["translation"]
    assert entry["pieces"] == 1


def test_translate_help_names_the_default_workdir():
    result = CliRunner().invoke(infer_main, ["translate", "--help"])
    assert WORKDIR_ENV in result.output
    assert "runs/nmt_base" in result.output


def test_translate_file_keeps_lines_aligned(nmt_run, tmp_path):
    workdir, _ = nmt_run
    sentences = [en for en, _ in HELD_OUT]
    path = tmp_path / "in.en"
    path.write_text(f"{sentences[0]}\n\n{sentences[1]}\n{sentences[2]}\n", encoding="utf-8")
    result = translate("--file", str(path), "--workdir", str(workdir))
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")[:-1]
    assert len(lines) == 4
    assert lines[1] == ""
    assert [lines[0], *lines[2:]] == Translator.from_workdir(workdir).translate(sentences)


@pytest.mark.parametrize("text", ["", "   \t "])
def test_empty_text_is_rejected(nmt_run, text):
    result = translate(text, "--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert "empty or only whitespace" in result.stderr
    assert repr(text) in result.stderr


def test_text_or_file_is_required(nmt_run):
    result = translate("--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert "--file" in result.stderr


def test_text_and_file_together_are_rejected(nmt_run, tmp_path):
    path = tmp_path / "in.en"
    path.write_text("I am tired.\n", encoding="utf-8")
    result = translate("Tom is here.", "--file", str(path), "--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert "not both" in result.stderr
    assert str(path) in result.stderr


def test_file_dash_reads_standard_input(nmt_run):
    workdir, _ = nmt_run
    sentences = [en for en, _ in HELD_OUT]
    result = CliRunner().invoke(
        infer_main, ["translate", "--file", "-", "--workdir", str(workdir)],
        input=f"{sentences[0]}\n\n{sentences[1]}\n".encode("utf-8"), env={WORKDIR_ENV: None},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")[:-1]
    assert lines == [*Translator.from_workdir(workdir).translate(sentences[:1]), "",
                     *Translator.from_workdir(workdir).translate(sentences[1:2])]


def test_standard_input_errors_name_the_line(nmt_run):
    invoke = lambda data: CliRunner().invoke(  # noqa: E731
        infer_main, ["translate", "--file", "-", "--workdir", str(nmt_run[0])], input=data, env={WORKDIR_ENV: None}
    )
    kannada = invoke("I am tired.\nಅರ್ಧ ನನಗೆ ಕೊಡು.\n".encode("utf-8"))
    assert kannada.exit_code == 2
    assert "<stdin>:2:" in kannada.stderr
    latin1 = invoke("Caf\u00e9 au lait.\n".encode("latin-1"))
    assert latin1.exit_code == 2
    assert "<stdin>:1: invalid UTF-8" in latin1.stderr
    blank = invoke(b"\n\n")
    assert blank.exit_code == 2
    assert "standard input (--file -) contains no sentences" in blank.stderr


def test_text_with_line_breaks_gives_one_line_each(nmt_run):
    workdir, _ = nmt_run
    sentences = [en for en, _ in HELD_OUT]
    result = translate("\n".join(sentences), "--workdir", str(workdir))
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[:-1] == Translator.from_workdir(workdir).translate(sentences)

    mixed = translate("I am tired.\nಅರ್ಧ ನನಗೆ ಕೊಡು.", "--workdir", str(workdir))
    assert mixed.exit_code == 2
    assert "TEXT:2:" in mixed.stderr
    assert "already in Kannada" in mixed.stderr


def test_blank_file_is_rejected(nmt_run, tmp_path):
    path = tmp_path / "blank.en"
    path.write_text("\n  \n", encoding="utf-8")
    result = translate("--file", str(path), "--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert f"{path} contains no sentences" in result.stderr


@pytest.mark.parametrize(
    "text,phrase", [("ಅರ್ಧ ನನಗೆ ಕೊಡು.", "already in Kannada"), ("नमस्ते दुनिया", "Devanagari")]
)
def test_non_latin_text_is_rejected(nmt_run, text, phrase):
    result = translate(text, "--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert phrase in result.stderr
    assert text in result.stderr


def test_kannada_line_in_a_file_is_named(nmt_run, tmp_path):
    path = tmp_path / "mixed.en"
    path.write_text("I am tired.\nಅರ್ಧ ನನಗೆ ಕೊಡು.\n", encoding="utf-8")
    result = translate("--file", str(path), "--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert f"{path}:2:" in result.stderr
    assert "already in Kannada" in result.stderr


def test_non_utf8_file_names_file_and_line(nmt_run, tmp_path):
    path = tmp_path / "latin1.en"
    path.write_bytes("I am here.\nCaf\u00e9 au lait.\n".encode("latin-1"))
    result = translate("--file", str(path), "--workdir", str(nmt_run[0]))
    assert result.exit_code == 2
    assert f"{path}:2: invalid UTF-8" in result.stderr
    assert "iconv -f LATIN1 -t UTF-8 FILE" in result.stderr


def test_long_sentence_is_translated_in_pieces(nmt_run):
    workdir, _ = nmt_run
    translator = Translator.from_workdir(workdir)
    limit = translator.max_source_tokens
    [detail] = translator.translate_detailed([LONG])
    assert detail.source_tokens > 2 * limit
    pieces, boundary = split_to_fit(LONG, lambda piece: len(translator.src_tokenizer.encode(piece)) <= limit)
    assert detail.pieces == len(pieces) > 2
    assert boundary in ("clause", "word")
    assert detail.text == " ".join(text for text in translator.translate(pieces) if text)

    result = translate(LONG, "--workdir", str(workdir))
    assert result.exit_code == 0, result.output
    assert result.stdout == detail.text + "\n"
    assert f"translated in {len(pieces)} pieces" in result.stderr
    assert f"more than the {limit}" in result.stderr


def test_word_too_long_to_cut_is_truncated(nmt_run):
    result = translate(",".join(["tom"] * 20), "--workdir", str(nmt_run[0]))
    assert result.exit_code == 0, result.output
    assert "truncated" in result.stderr


def test_unknown_words_are_counted(nmt_run):
    workdir, _ = nmt_run
    known = [word for word in Translator.from_workdir(workdir).src_tokenizer.vocab if word.isalpha()][:2]
    result = translate(f"{known[0]} zyxwv {known[1]} qqqq zyxwv", "--workdir", str(workdir))
    assert result.exit_code == 0, result.output
    assert "3 words (2 distinct) not in the model's English vocabulary were read as <unk>: 'zyxwv', 'qqqq'" in result.stderr


def test_unknown_kannada_word_is_shown_as_written(nmt_run):
    workdir, _ = nmt_run
    known = [word for word in Translator.from_workdir(workdir).src_tokenizer.vocab if word.isalpha() and len(word) > 2]
    # More Latin letters than Kannada ones, so the input still counts as English.
    result = translate(f"{' '.join(known[:3])} ನಮಸ್ಕಾರ", "--workdir", str(workdir), "--json")
    assert result.exit_code == 0, result.output
    assert "1 word not in the model's English vocabulary was read as <unk>: 'ನಮಸ್ಕಾರ'" in result.stderr
    assert "train on a corpus that contains it" in result.stderr
    assert "ನಮಸಕಾರ" not in result.output  # the form with its virama dropped by English accent folding
    assert json.loads(result.stdout)[0]["unknown_words"] == ["ನಮಸ್ಕಾರ"]


def test_unknown_source_words_keep_the_input_spelling():
    tokenizer = WordTokenizer.fit(["hello my friend, don't go."], "en")
    assert unknown_source_words(tokenizer, "Hello ನಮಸ್ಕಾರ, my Café friend 😀 😀") == ["ನಮಸ್ಕಾರ", "Café", "😀", "😀"]
    # The curly apostrophe splits the word differently before quote folding, so the word is shown whole.
    assert unknown_source_words(tokenizer, "Don’tt go") == ["Don’tt"]
    assert unknown_source_words(tokenizer, "Hello, my friend.") == []


def test_workdir_without_vocabularies_is_rejected(nmt_run, tmp_path):
    workdir = tmp_path / "no_vocab"
    shutil.copytree(nmt_run[0], workdir)
    metas = list((workdir / "checkpoints").glob("*/*/meta/metadata"))
    assert metas
    for path in metas:
        meta = json.loads(path.read_text())
        del meta["extras"]["src_tokenizer"], meta["extras"]["tgt_tokenizer"]
        path.write_text(json.dumps(meta))
    result = translate("I am tired.", "--workdir", str(workdir))
    assert result.exit_code == 2
    assert "stores no vocabularies (src_tokenizer, tgt_tokenizer missing)" in result.stderr
    assert "train_nmt.py" in result.stderr


def test_fer_workdir_is_rejected(tmp_path):
    checkpoints = Checkpoints(tmp_path / "checkpoints")
    meta = {"task": "fer", "model": {"name": "cnn4"}, "config": {}, "extras": {"labels": ["angry", "happy"]}}
    checkpoints.save(LATEST, 1, {"w": jnp.zeros(2)}, meta)
    checkpoints.close()
    result = translate("I am tired.", "--workdir", str(tmp_path))
    assert result.exit_code == 2
    assert "facial-expression (FER) model" in result.stderr
    assert "infer.py emotion" in result.stderr


def test_missing_workdir_names_where_it_came_from(tmp_path):
    result = translate("I am tired.", env={WORKDIR_ENV: str(tmp_path / "absent")})
    assert result.exit_code == 2
    assert str(tmp_path / "absent") in result.stderr
    assert f"the environment variable {WORKDIR_ENV}" in result.stderr


def test_evaluate_scores_unseen_files(nmt_run, tmp_path):
    workdir, _ = nmt_run
    src, ref = write_pairs(tmp_path, HELD_OUT)
    out = tmp_path / "out" / "held_out.hyp"
    result = evaluate("--workdir", str(workdir), "--src", str(src), "--ref", str(ref), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    hypotheses = out.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(hypotheses) == len(HELD_OUT)
    expected = score_translations(hypotheses, [kn for _, kn in HELD_OUT])
    assert (scores["bleu"], scores["chrf"]) == (expected["bleu"], expected["chrf"])
    assert scores["pairs"] == len(HELD_OUT)
    assert scores["hypotheses"] == str(out)


def test_evaluate_writes_hypotheses_into_the_workdir_by_default(nmt_run, tmp_path):
    workdir, _ = nmt_run
    src, ref = write_pairs(tmp_path, HELD_OUT[:1], name="one")
    result = evaluate("--workdir", str(workdir), "--src", str(src), "--ref", str(ref), "--beam", "2")
    assert result.exit_code == 0, result.output
    assert "BLEU " in result.stdout
    assert "chrF++ " in result.stdout
    assert (workdir / "one.en.hyp").read_text(encoding="utf-8").count("\n") == 1


def test_evaluate_names_both_line_counts(nmt_run, tmp_path):
    src, ref = write_pairs(tmp_path, HELD_OUT)
    ref.write_text("".join(kn + "\n" for _, kn in HELD_OUT[:2]), encoding="utf-8")
    result = evaluate("--workdir", str(nmt_run[0]), "--src", str(src), "--ref", str(ref))
    assert result.exit_code == 2
    assert f"{src} has 3 lines but {ref} has 2" in result.stderr


def test_evaluate_names_a_non_utf8_reference_line(nmt_run, tmp_path):
    src, ref = write_pairs(tmp_path, HELD_OUT)
    ref.write_bytes(ref.read_bytes() + b"\xff\n")
    src.write_text(src.read_text(encoding="utf-8") + "One more.\n", encoding="utf-8")
    result = evaluate("--workdir", str(nmt_run[0]), "--src", str(src), "--ref", str(ref))
    assert result.exit_code == 2
    assert f"{ref}:4: invalid UTF-8" in result.stderr


def test_evaluate_spots_swapped_files(nmt_run, tmp_path):
    src, ref = write_pairs(tmp_path, HELD_OUT)
    result = evaluate("--workdir", str(nmt_run[0]), "--src", str(ref), "--ref", str(src))
    assert result.exit_code == 2
    assert f"{ref}:1:" in result.stderr
    assert "swap --src and --ref" in result.stderr

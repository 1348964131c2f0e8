"""caminho-train's errors in the interface's language.

The trainer reports a fatal error with a stable code and the values of its message
(`--progress-json`; editor/core/trainer.py reads it); this catalogue holds a translatable
template per code, filled in from those values. Every code caminho-train raises needs an entry
here (tests/editor/ui/test_i18n.py scans training/ for them). The templates are filed under
TrainingRun's context, the class that shows them.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from editor.core.trainer import TrainerError, stop_code

CONTEXT = "TrainingRun"

# The English templates say what the trainer's own messages say (training/), and read as the
# end of "Training failed: …": no capital, no full stop.
MESSAGES: dict[str, str] = {
    # -- the corpus ----------------------------------------------------------------------------
    "corpus.binary": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} looks like a binary file, not text: NUL byte at offset {offset} "
        "(UTF-16 text must be converted to UTF-8 first)"),
    "corpus.empty": QT_TRANSLATE_NOOP("TrainingRun", "{path} is empty (0 bytes)"),
    "corpus.is_folder": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is a directory; give the text files inside it"),
    "corpus.line_too_long": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path}: line {line} is more than {limit} characters long, more than a "
        "corpus line may have; is this really prose? Break it into paragraphs (one per line) "
        "first"),
    "corpus.no_files": QT_TRANSLATE_NOOP("TrainingRun", "no corpus files given"),
    "corpus.not_found": QT_TRANSLATE_NOOP("TrainingRun", "corpus file not found: {path}"),
    "corpus.not_regular": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not a regular file (a pipe, device or socket); give a text "
        "file"),
    "corpus.not_utf8": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not UTF-8 text: byte {byte} at offset {offset} cannot be "
        "decoded (convert it, e.g. `iconv -f latin1 -t utf-8`)"),
    "corpus.nothing_left": QT_TRANSLATE_NOOP(
        "TrainingRun", "corpus too small: nothing left to train on after the validation split"),
    "corpus.only_whitespace": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} holds no text (only whitespace)"),
    "corpus.too_small": QT_TRANSLATE_NOOP(
        "TrainingRun", "corpus too small: {tokens} token(s) in {files}, need at least {minimum} "
        "to train on"),
    "corpus.unreadable": QT_TRANSLATE_NOOP("TrainingRun", "cannot read {path}: {reason}"),
    # -- where the model and the checkpoint go -------------------------------------------------
    "outputs.checkpoint_is_input": QT_TRANSLATE_NOOP(
        "TrainingRun", "--checkpoint {path} is one of the corpus files: writing the checkpoint "
        "there would replace {source}; choose another --checkpoint"),
    "outputs.checkpoint_is_out": QT_TRANSLATE_NOOP(
        "TrainingRun", "--checkpoint {path} is the --out file; give them different names"),
    "outputs.folder_not_writable": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path}: cannot write in the folder {folder} ({reason}); choose "
        "another {option}"),
    "outputs.model_exists": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path} already holds a model; give --force to replace it, or "
        "choose another {option}"),
    "outputs.not_a_checkpoint": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} already exists and is not a Caminho checkpoint; it is left "
        "alone: choose another {option} (or move that file away)"),
    "outputs.not_a_model": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path} already exists and is not a Caminho model; it is left "
        "alone: choose another {option} (or move that file away)"),
    "outputs.out_is_folder": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path} is a folder; give a file name for the model"),
    "outputs.out_is_input": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path} is one of the input files: writing the model there "
        "would replace {source}; choose another {option}"),
    "outputs.parent_not_folder": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path}: {folder} is not a folder"),
    "outputs.parent_not_writable": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {path}: cannot write in the folder (to create it in) {folder} "
        "({reason}); choose another {option}"),
    "outputs.unfinished_run": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} holds the network of an earlier run that was never made into a "
        "model. Make a model of it (caminho-train export {path} --corpus ... --out ...), "
        "continue it (--resume {path}), or give --force to train anew and replace it"),
    "outputs.unreadable": QT_TRANSLATE_NOOP(
        "TrainingRun", "cannot check {option} {path}: {reason}"),
    # -- checkpoints ---------------------------------------------------------------------------
    "checkpoint.bad_version": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not a usable Caminho checkpoint: its version ({version}) is "
        "not a whole number"),
    "checkpoint.damaged": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not a Caminho checkpoint, or it is damaged (truncated or "
        "another format)"),
    "checkpoint.damaged_facts": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} holds damaged training facts ({reason})"),
    "checkpoint.damaged_state": QT_TRANSLATE_NOOP(
        "TrainingRun", "the checkpoint's training state is damaged ({reason})"),
    "checkpoint.ensemble_resume": QT_TRANSLATE_NOOP(
        "TrainingRun", "an ensemble cannot be resumed: its checkpoint holds the merged network, "
        "written once every member is trained; make a model of it with `caminho-train export`"),
    "checkpoint.incomplete": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is incomplete: it lacks {missing}"),
    "checkpoint.newer_version": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} was written by a newer caminho-train (version {version})"),
    "checkpoint.not_found": QT_TRANSLATE_NOOP("TrainingRun", "checkpoint not found: {path}"),
    "checkpoint.not_ours": QT_TRANSLATE_NOOP("TrainingRun", "{path} is not a Caminho checkpoint"),
    "checkpoint.not_regular": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not a checkpoint: it is not a regular file"),
    "checkpoint.other_corpus": QT_TRANSLATE_NOOP(
        "TrainingRun", "the checkpoint was trained on {tokens} tokens of {files}, this corpus "
        "has {corpus_tokens}: resume with the same corpus files"),
    "checkpoint.other_vocabulary": QT_TRANSLATE_NOOP(
        "TrainingRun", "the checkpoint's vocabulary does not fit this corpus: resume with the "
        "same corpus files"),
    "checkpoint.setting_differs": QT_TRANSLATE_NOOP(
        "TrainingRun", "{option} {value} differs from the checkpoint's {saved}; a resumed run "
        "keeps the checkpoint's settings (only --epochs may change)"),
    "checkpoint.unreadable": QT_TRANSLATE_NOOP("TrainingRun", "cannot read {path}: {reason}"),
    "checkpoint.unsafe": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not a Caminho checkpoint: it holds Python objects that no "
        "checkpoint holds, and they were not loaded (loading them could run code)"),
    "checkpoint.unusable": QT_TRANSLATE_NOOP(
        "TrainingRun", "{path} is not a usable Caminho checkpoint: {reason}"),
    "checkpoint.weights_mismatch": QT_TRANSLATE_NOOP(
        "TrainingRun", "the checkpoint's weights do not fit its settings ({reason})"),
    "checkpoint.wrong_corpus": QT_TRANSLATE_NOOP(
        "TrainingRun", "the checkpoint was trained on {tokens} tokens, this corpus has "
        "{corpus_tokens}: give the corpus files it was trained on"),
    # -- export and model files ----------------------------------------------------------------
    "export.parity": QT_TRANSLATE_NOOP(
        "TrainingRun", "the ONNX model differs from PyTorch by more than {tolerance}: {detail}"),
    "export.shape_mismatch": QT_TRANSLATE_NOOP(
        "TrainingRun", "ONNX output {output} has shape {onnx}, PyTorch {torch}"),
    "export.vocab_mismatch": QT_TRANSLATE_NOOP(
        "TrainingRun", "vocabulary of {entries} entries, {surface} surface forms and a model "
        "for {tokens} tokens do not agree"),
    "export.vocab_start": QT_TRANSLATE_NOOP(
        "TrainingRun", "vocabulary must start with {first}, {second}"),
    "model.already_quantized": QT_TRANSLATE_NOOP(
        "TrainingRun", "{name} is already quantized ({scheme})"),
    "model.not_caminho": QT_TRANSLATE_NOOP(
        "TrainingRun", "{name} is not a Caminho model (no 'caminho_format' metadata)"),
    "model.unusable": QT_TRANSLATE_NOOP("TrainingRun", "the model cannot be used: {reason}"),
    "evaluate.no_text": QT_TRANSLATE_NOOP("TrainingRun", "{path} holds no text to evaluate on"),
    # -- options and set-up --------------------------------------------------------------------
    "options.device": QT_TRANSLATE_NOOP(
        "TrainingRun", "--device must be one of {choices}, got {choice}"),
    "options.ensemble_alone": QT_TRANSLATE_NOOP(
        "TrainingRun", "an ensemble trains its networks one after the other: train it without "
        "--time-budget and without torchrun"),
    "options.invalid": QT_TRANSLATE_NOOP("TrainingRun", "invalid setting: {reason}"),
    "options.negative_words": QT_TRANSLATE_NOOP("TrainingRun", "--words must be 0 or more"),
    "options.time_budget": QT_TRANSLATE_NOOP(
        "TrainingRun", "invalid time limit (--time-budget): {reason}"),
    "options.word_list": QT_TRANSLATE_NOOP(
        "TrainingRun", "the word list --word-list {choice} cannot be used: {reason}"),
    "options.word_list_language": QT_TRANSLATE_NOOP(
        "TrainingRun", "--word-list auto: the model does not say its language; give "
        "--word-list pt or en"),
    "device.no_cuda": QT_TRANSLATE_NOOP(
        "TrainingRun", "--device cuda: this PyTorch sees no CUDA GPU (a CPU-only build, or no "
        "driver); use --device cpu or auto"),
    "setup.ensemble_needs_source": QT_TRANSLATE_NOOP(
        "TrainingRun", "ensembles are a study that needs Caminho's source tree: python -m "
        "training.studies.ensemble"),
    "setup.missing_packages": QT_TRANSLATE_NOOP(
        "TrainingRun", "training and export need {packages}, which this installation lacks; "
        "install the training extra: pip install torch==2.13.0 -e '.[train]'"),
    # -- the system and the process ------------------------------------------------------------
    "system.error": QT_TRANSLATE_NOOP("TrainingRun", "the system reported an error: {reason}"),
    "system.file_error": QT_TRANSLATE_NOOP(
        "TrainingRun", "the system reported an error for {path}: {reason}"),
    "memory.after_training": QT_TRANSLATE_NOOP("TrainingRun", "out of memory after training"),
    "crash.after_training": QT_TRANSLATE_NOOP("TrainingRun", "{kind} after training"),
    # Not caminho-train's codes: what editor/core/trainer.py saw happen to the process.
    "trainer.killed": QT_TRANSLATE_NOOP(
        "TrainingRun", "the system stopped the trainer (it was killed, SIGKILL), most likely "
        "because the computer ran out of memory. Try fewer or shorter texts, or close other "
        "programs and try again"),
    "trainer.crashed": QT_TRANSLATE_NOOP("TrainingRun", "the trainer crashed ({signal})"),
    "trainer.exit_code": QT_TRANSLATE_NOOP(
        "TrainingRun", "the trainer stopped with exit code {code}"),
}
# Codes editor/core/trainer.py makes itself; all the others come from caminho-train.
EDITOR_CODES = frozenset({"trainer.killed", "trainer.crashed", "trainer.exit_code"})


def explain(error: TrainerError) -> str:
    """The error in the interface's language; the trainer's English words where there is no
    translation (an unknown code, or an English interface: its words know their plurals)."""
    template = MESSAGES.get(error.code)
    if template is None:
        return error.message
    translated = QCoreApplication.translate(CONTEXT, template)
    if translated == template:
        return error.message
    try:
        return translated.format(**error.params)
    except (KeyError, IndexError, ValueError):
        # A trainer of another version may send other values: its own words beat none.
        return error.message


# Why training ended (the trainer's `stopped`), read as the end of "Training ended after 12
# epochs: …".
STOP_REASONS: dict[str, str] = {
    "stop.early_epochs": QT_TRANSLATE_NOOP(
        "TrainingRun", "stopped early, as the loss on the held-out text had not improved for "
        "{epochs} epochs (more would not help)"),
    "stop.early": QT_TRANSLATE_NOOP(
        "TrainingRun", "stopped early, as the loss on the held-out text had stopped improving"),
    "stop.solved": QT_TRANSLATE_NOOP(
        "TrainingRun", "it had learnt the text by heart (every next word right)"),
    "stop.all_epochs": QT_TRANSLATE_NOOP("TrainingRun", "it did all {epochs} epochs"),
    "stop.request": QT_TRANSLATE_NOOP("TrainingRun", "it was stopped on request"),
    "stop.time_budget": QT_TRANSLATE_NOOP(
        "TrainingRun", "its time limit was up (the model is the best it had learnt by then)"),
}


def stop_reason(stopped: str) -> str:
    """Why the trainer ended, in the interface's language; its own text if unknown here."""
    code, params = stop_code(stopped)
    template = STOP_REASONS.get(code)
    if template is None:
        return stopped
    return QCoreApplication.translate(CONTEXT, template).format(**params)

"""`mi-trainer eval-coder`: how well the coder agrees with expert coding, and how fast it is.

Sections (each printed with accuracy, macro-F1, per-class F1 and the confusion matrix):

1. AnnoMI (English, expert-coded), 5-fold cross-validation grouped by transcript: each fold's model
   is trained on the other transcripts plus all of da_dev and en_dev and scored on the held-out transcripts
   (context = the client's previous utterance). Our codes are mapped to AnnoMI's four behaviours.
   Also open-vs-closed F1 (gold questions with an open/closed subtype: the model's choice between
   the two) and simple-vs-complex F1 (the same for reflections).
2. Learner replies labelled with all 13 codes, Danish (da_dev) and English (en_dev): 5-fold
   cross-validation grouped by client line (training: the other folds + all of the other sets):
   13-way scores and valence accuracy.
3. The held-out test sets of learner replies (da_test, en_test: never used for training or tuning),
   scored with the shipped model, which was trained on all of AnnoMI, da_dev and en_dev.
4. Speed: replies per second of `Coder.code` on one core (CPU time, after one untimed pass over the
   replies), and the model's load time.

Sections 1-2 train models: they need the `train` extra (scikit-learn, numpy) and take a few
minutes. `--no-cv` runs only 3-4 (plain Python). The rules-only coder is shown alongside.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.coder.coder import Coder
from bot.coder.model import BEHAVIOURS, MACRO, WEIGHTS_FILE, CoderModel
from state_machines.codes import VALENCE, Code

_DATA_HELP = "defaults: ../shared/data/annomi/annomi_train.csv and data/coder/ next to the package"
_LANGUAGE_NAMES = {"da": "Danish", "en": "English"}


@dataclass(frozen=True, slots=True)
class Scores:
    """Agreement of predicted with gold labels."""

    labels: tuple[str, ...]
    gold: tuple[str, ...]
    predicted: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.predicted, strict=True)) / max(1, len(self.gold))

    def f1(self, label: str) -> float:
        pairs = list(zip(self.gold, self.predicted, strict=True))
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    @property
    def macro_f1(self) -> float:
        return sum(self.f1(label) for label in self.labels) / len(self.labels)

    def confusion(self) -> list[list[int]]:
        index = {label: i for i, label in enumerate(self.labels)}
        matrix = [[0] * len(self.labels) for _ in self.labels]
        for g, p in zip(self.gold, self.predicted, strict=True):
            if g in index and p in index:
                matrix[index[g]][index[p]] += 1
        return matrix

    def to_json(self) -> dict[str, Any]:
        return {"n": len(self.gold), "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4),
                "f1": {label: round(self.f1(label), 4) for label in self.labels}, "labels": list(self.labels),
                "confusion": self.confusion()}


def scores(labels: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    return Scores(tuple(labels), tuple(gold), tuple(predicted))


@dataclass(frozen=True, slots=True)
class Case:
    """One reply to score: its gold code (None: only the behaviour is known) and AnnoMI-style behaviour."""

    text: str
    context: str
    behaviour: str
    code: Code | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a coder said about a case: the primary code and the probability of every code."""

    code: Code
    probabilities: dict[Code, float]


def _choice(outcome: Outcome, first: Code, second: Code) -> Code:
    """The coder's code if it is one of the two, else the likelier of the two (rules only: the first)."""
    if outcome.code in (first, second):
        return outcome.code
    if not outcome.probabilities:
        return first
    return first if outcome.probabilities.get(first, 0.0) >= outcome.probabilities.get(second, 0.0) else second


def _subtype(cases: Sequence[Case], outcomes: Sequence[Outcome], first: Code, second: Code) -> Scores:
    pairs = [(case.code, _choice(outcome, first, second)) for case, outcome in zip(cases, outcomes, strict=True)
             if case.code in (first, second)]
    return scores([first.value, second.value], [g.value for g, _ in pairs if g], [p.value for _, p in pairs])


def report_annomi(cases: Sequence[Case], outcomes: Sequence[Outcome]) -> dict[str, Any]:
    four = scores(BEHAVIOURS, [c.behaviour for c in cases], [MACRO[o.code] for o in outcomes])
    return {"four_way": four.to_json(),
            "open_vs_closed": _subtype(cases, outcomes, Code.OPEN_QUESTION, Code.CLOSED_QUESTION).to_json(),
            "simple_vs_complex": _subtype(cases, outcomes, Code.SIMPLE_REFLECTION,
                                          Code.COMPLEX_REFLECTION).to_json()}


def report_coded(cases: Sequence[Case], outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Scores on learner replies labelled with all 13 codes (the Danish and English sets)."""
    gold = [c.code for c in cases if c.code is not None]
    predicted = [o.code for c, o in zip(cases, outcomes, strict=True) if c.code is not None]
    valence = sum(VALENCE[g] == VALENCE[p] for g, p in zip(gold, predicted, strict=True)) / max(1, len(gold))
    return {"thirteen_way": scores([code.value for code in Code], [g.value for g in gold],
                                   [p.value for p in predicted]).to_json(),
            "valence_accuracy": round(valence, 4),
            "four_way": scores(BEHAVIOURS, [MACRO[g] for g in gold], [MACRO[p] for p in predicted]).to_json(),
            "open_vs_closed": _subtype(cases, outcomes, Code.OPEN_QUESTION, Code.CLOSED_QUESTION).to_json(),
            "simple_vs_complex": _subtype(cases, outcomes, Code.SIMPLE_REFLECTION,
                                          Code.COMPLEX_REFLECTION).to_json()}


def outcomes_of(coder: Coder, cases: Sequence[Case]) -> list[Outcome]:
    result = []
    for case in cases:
        analysis = coder.analyse(case.text, case.context)
        if coder.model is None:
            result.append(Outcome(coder.decide(analysis, case.context)[0], {}))
        else:
            prediction = coder.model.predict(analysis, case.context)
            result.append(Outcome(prediction.code, dict(prediction.probabilities)))
    return result


def read_labelled(path: Path, lang: str) -> list[Case]:
    """The cases of a JSON Lines file of labelled replies (`training.load_labelled`: a malformed line names its
    number)."""
    from bot.coder.training import load_labelled

    return [Case(sample.text, sample.context, sample.behaviour, sample.code) for sample in load_labelled(path, lang)]


def speed(coder: Coder, replies: Sequence[tuple[str, str]], seconds: float = 2.0) -> float:
    """Replies per CPU second of `coder.code` (one thread), over at least `seconds` of CPU time.

    CPU time of this process, not wall-clock time: "on one core" even when other work shares the machine.
    One untimed pass first: the throughput of a coder in use, not of its first minutes (the first time
    a word or a client line is seen, the coder compiles and remembers what it needs for it, a one-off cost
    that belongs with the start-up, as the model's load time does).
    """
    for text, context in replies:
        coder.code(text, context)
    done = 0
    started = time.process_time()
    while True:
        for text, context in replies:
            coder.code(text, context)
        done += len(replies)
        elapsed = time.process_time() - started
        if elapsed >= seconds:
            return done / elapsed


def load_seconds(path: Path | None = None, repeats: int = 3) -> float:
    """Best of `repeats` CPU times to read and build the shipped model from its file."""
    from importlib import resources

    source = path or Path(str(resources.files("bot.coder.model_data").joinpath(WEIGHTS_FILE)))
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        CoderModel.from_bytes(source.read_bytes())
        best = min(best, time.process_time() - started)
    return best


# --- printing -------------------------------------------------------------------------------------


def _short(label: str) -> str:
    return {"open_question": "OQ", "closed_question": "CQ", "simple_reflection": "SR", "complex_reflection": "CR",
            "affirm": "AF", "emphasize_autonomy": "EA", "seek_collaboration": "SEEK", "ask_permission": "PERM",
            "giving_information": "GI", "persuade_with_permission": "PWP", "persuade": "PER", "confront": "CON",
            "other": "OTH", "question": "Q", "reflection": "R", "therapist_input": "TI"}.get(label, label)


def print_scores(out: TextIO, title: str, data: dict[str, Any], matrix: bool = True) -> None:
    out.write(f"  {title}: n={data['n']}  accuracy {data['accuracy']:.3f}  macro-F1 {data['macro_f1']:.3f}\n")
    out.write("    F1: " + "  ".join(f"{_short(k)} {v:.2f}" for k, v in data["f1"].items()) + "\n")
    if matrix:
        labels = [_short(label) for label in data["labels"]]
        out.write("    confusion (rows gold, columns predicted):\n")
        out.write("    " + " " * 6 + "".join(f"{label:>6}" for label in labels) + "\n")
        for label, row in zip(labels, data["confusion"], strict=True):
            out.write(f"    {label:>6}" + "".join(f"{value:>6}" for value in row) + "\n")


def print_section(out: TextIO, title: str, report: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    out.write(f"\n== {title}\n")
    main = "thirteen_way" if "thirteen_way" in report else "four_way"
    print_scores(out, main.replace("_", "-"), report[main])
    if main == "thirteen_way":
        out.write(f"  valence accuracy {report['valence_accuracy']:.3f}\n")
        print_scores(out, "four-way (mapped to AnnoMI)", report["four_way"], matrix=False)
    print_scores(out, "open vs closed (gold questions)", report["open_vs_closed"], matrix=False)
    print_scores(out, "simple vs complex (gold reflections)", report["simple_vs_complex"], matrix=False)
    if baseline is not None:
        line = f"  rules only: {main.replace('_', '-')} macro-F1 {baseline[main]['macro_f1']:.3f}"
        if main == "thirteen_way":
            line += f", valence accuracy {baseline['valence_accuracy']:.3f}"
        out.write(line + "\n")


# --- the command ----------------------------------------------------------------------------------

_Item = TypeVar("_Item")


class DataError(Exception):
    """A data file the evaluation needs is missing or malformed (one line for the user)."""


def read_data(path: Path, read: Callable[[Path], list[_Item]], what: str, flag: str) -> list[_Item]:
    """`read(path)`; a missing or malformed file raises `DataError` naming the file and the option to give another."""
    if not path.is_file():
        raise DataError(f"{what} not found: {path} (give another with {flag} PATH)")
    try:
        return read(path)
    except KeyError as error:  # a CSV without a column the reader needs
        raise DataError(f"{what} unreadable: {path}: no {error} column") from error
    except (OSError, ValueError) as error:  # bad JSON or UTF-8, an unknown code
        raise DataError(f"{what} unreadable: {path}: {error}") from error


def _labelled_set(name: str, path: Path, read: Callable[[Path, str], list[_Item]]) -> list[_Item]:
    """One set of labelled learner replies ("da_dev", "en_test" …), read by `read(path, lang)`."""
    lang, kind = name.split("_")
    return read_data(path, lambda file: read(file, lang), f"{_LANGUAGE_NAMES[lang]} {kind} set",
                     "--" + name.replace("_", "-"))


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # read when called: the stream in use then, not at import
    try:
        return _run(args, out)
    except DataError as error:
        out.write(f"eval-coder: {error}\n")
        return 1


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from bot.coder import training

    annomi = Path(args.annomi) if args.annomi else training.ANNOMI
    paths = {"da_dev": args.da_dev or training.DA_DEV, "en_dev": args.en_dev or training.EN_DEV,
             "da_test": args.da_test or training.DA_TEST, "en_test": args.en_test or training.EN_TEST}
    rules = Coder(model=None)
    results: dict[str, Any] = {}
    started = time.perf_counter()
    tests = {name: _labelled_set(name, Path(paths[name]), read_labelled) for name in ("da_test", "en_test")}
    an: list[training.Sample] = []
    if not args.no_cv or annomi.is_file():  # without CV, AnnoMI only adds English replies to the speed test
        an = read_data(annomi, training.load_annomi, "AnnoMI transcripts", "--annomi")
    if not args.no_cv:
        devs = {name: _labelled_set(name, Path(paths[name]), training.load_labelled) for name in ("da_dev", "en_dev")}
        try:
            import sklearn  # noqa: F401
        except ImportError:
            out.write("eval-coder: cross-validation needs the train extra (pip install -e '.[train]'); "
                      "use --no-cv for the held-out tests and speed only\n")
            return 1
        training.featurize([*an, *devs["da_dev"], *devs["en_dev"]], rules)
        config = training.Config()
        models: dict[int, CoderModel] = {}
        collected: dict[int, Outcome] = {}

        def predictor(weights: dict[str, Any], sample: training.Sample) -> Code:
            key = id(weights)
            if key not in models:
                models.clear()
                models[key] = CoderModel(weights)
            prediction = models[key].predict_features(sample.features, "da" if "L:da" in sample.features else "en")
            collected[id(sample)] = Outcome(prediction.code, dict(prediction.probabilities))
            return prediction.code

        sets = {"annomi": an, **devs}
        for name, report in (("annomi", report_annomi), ("da_dev", report_coded), ("en_dev", report_coded)):
            target = sets[name]
            collected.clear()
            extra = [sample for other, samples in sets.items() if other != name for sample in samples]
            training.cross_validate(target, extra, config, args.folds, predictor)
            cases = [Case(s.text, s.context, s.behaviour, s.code) for s in target]
            outcomes = [collected[id(s)] for s in target]
            results[name + "_cv"] = report(cases, outcomes)
            results[name + "_cv_rules"] = report(cases, outcomes_of(rules, cases))
    shipped = Coder()
    if shipped.model is None:
        out.write("eval-coder: no shipped weights (bot/coder/model_data/weights.json.gz): run scripts/train_coder.py\n")
        return 1
    for name, cases in tests.items():
        results[name] = report_coded(cases, outcomes_of(shipped, cases))
        results[name + "_rules"] = report_coded(cases, outcomes_of(rules, cases))
    replies = [(c.text, c.context) for c in tests["da_test"]]
    replies += [(s.text, s.context) for s in an[:1000]]
    results["speed"] = {"replies_per_second": round(speed(shipped, replies, args.seconds)),
                        "rules_only_replies_per_second": round(speed(rules, replies, args.seconds / 2)),
                        "model_load_seconds": round(load_seconds(), 3),
                        "features": shipped.model.size}
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        out.write(json.dumps(results, indent=1) + "\n")
        return 0
    _print_all(out, results, args.folds)
    return 0


def _print_all(out: TextIO, results: dict[str, Any], folds: int) -> None:
    out.write("MI-trainer coder evaluation (model = the trained heads; rules only = the keyword rules)\n")
    if "annomi_cv" in results:
        print_section(out, f"AnnoMI, {folds}-fold CV grouped by transcript (4-way therapist behaviour)",
                      results["annomi_cv"], results["annomi_cv_rules"])
        for lang in ("da", "en"):
            print_section(out, f"{_LANGUAGE_NAMES[lang]} dev, {folds}-fold CV grouped by client line (13 codes)",
                          results[f"{lang}_dev_cv"], results[f"{lang}_dev_cv_rules"])
    for lang in ("da", "en"):
        print_section(out, f"{_LANGUAGE_NAMES[lang]} test (held out), shipped model (13 codes)",
                      results[f"{lang}_test"], results[f"{lang}_test_rules"])
    s = results["speed"]
    out.write(f"\n== Speed (one core, CPU time)\n  {s['replies_per_second']} replies/s with the model "
              f"({s['rules_only_replies_per_second']} rules only); model load {s['model_load_seconds']:.3f} s; "
              f"{s['features']} weighted features\n")
    out.write(f"({results['seconds']} s)\n")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `eval-coder` subcommand (the hook `bot.cli._EXTRA_COMMANDS` calls this)."""
    parser = subparsers.add_parser(
        "eval-coder", help="measure the coder against expert-coded data (AnnoMI, Danish sets) and its speed",
        description=(__doc__ or "").split("\n\n", 1)[1] + "\n" + _DATA_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--no-cv", action="store_true",
                        help="skip the cross-validation (needs no train extra): held-out tests and speed only")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--annomi", help="AnnoMI CSV (default ../shared/data/annomi/annomi_train.csv)")
    parser.add_argument("--da-dev", help="Danish dev JSONL (default data/coder/da_dev.jsonl)")
    parser.add_argument("--da-test", help="Danish held-out test JSONL (default data/coder/da_test.jsonl)")
    parser.add_argument("--en-dev", help="English dev JSONL (default data/coder/en_dev.jsonl)")
    parser.add_argument("--en-test", help="English held-out test JSONL (default data/coder/en_test.jsonl)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to measure speed (default 3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(handler=run)


__all__ = ["Case", "Outcome", "Scores", "register", "report_annomi", "report_coded", "run", "scores"]

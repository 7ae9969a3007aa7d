"""Inside spaCy's NER model: attributes and hash rows, receptive fields, the transition walk,
ablations built with spaCy's config system, and wordpiece alignment.

Conventions:

- The default `ner` model of spaCy 3.8 is `spacy.TransitionBasedParser.v2` whose tok2vec is
  `spacy.HashEmbedCNN.v2` (width 96, depth 4, embed_size 2000, window_size 1). `BASELINE` writes
  the same network out as `spacy.Tok2Vec.v2` = `spacy.MultiHashEmbed.v2` (NORM, PREFIX, SUFFIX,
  SHAPE with rows 2000, 1000, 1000, 1000) + `spacy.MaxoutWindowEncoder.v2`, so that single
  settings can be changed; `tests/test_inside.py` checks that both build the same layers.
- Receptive field: each encoder layer concatenates `window` neighbours on each side, so after
  `depth` layers token i can see tokens i - window·depth … i + window·depth (clipped to the doc).
- The walk replays the greedy parse the pipeline runs: score every action, mask the invalid
  ones, take the best. Its entities are the ones `nlp(text).ents` gives (tested).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy
import pandas as pd
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from .errors import TrainingError
from .settings import LABELS

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer, TrainablePipe
    from thinc.types import Ints2d

ATTRS = ("NORM", "PREFIX", "SUFFIX", "SHAPE")
WIDTH = 96
ABLATION_EPOCHS = 2  # learner mode; bench/inside_ablation.py stores the same grid with 3 seeds
STORED = Path(__file__).resolve().parents[1] / "bench" / "inside_ablation.json"

BASELINE: dict[str, Any] = {
    "@architectures": "spacy.Tok2Vec.v2",
    "embed": {
        "@architectures": "spacy.MultiHashEmbed.v2",
        "width": WIDTH,
        "attrs": list(ATTRS),
        "rows": [2000, 1000, 1000, 1000],
        "include_static_vectors": False,
    },
    "encode": {
        "@architectures": "spacy.MaxoutWindowEncoder.v2",
        "width": WIDTH,
        "depth": 4,
        "window_size": 1,
        "maxout_pieces": 3,
    },
}


@dataclass(frozen=True)
class Variant:
    """One ablation: a name, what it changes, and the changed settings.

    name (str): short name for tables, e.g. "no SHAPE".
    change (str): one line saying what differs from the baseline.
    drop (tuple[str, ...]): embedded attributes to leave out.
    encode (dict): settings of `MaxoutWindowEncoder` to change (depth, window_size).
    rows_scale (float): multiply every embedding table's rows by this.
    """

    name: str
    change: str
    drop: tuple[str, ...] = ()
    encode: dict[str, int] = field(default_factory=dict)
    rows_scale: float = 1.0

    def tok2vec(self) -> dict[str, Any]:
        """RETURNS (dict): the tok2vec block of the ner model config for this variant."""
        unknown = [a for a in self.drop if a not in ATTRS]
        if unknown or len(self.drop) >= len(ATTRS):
            raise TrainingError("N530", attrs=", ".join(self.drop), choices=", ".join(ATTRS))
        config = copy.deepcopy(BASELINE)
        keep = [i for i, attr in enumerate(ATTRS) if attr not in self.drop]
        config["embed"]["attrs"] = [ATTRS[i] for i in keep]
        config["embed"]["rows"] = [max(1, int(BASELINE["embed"]["rows"][i] * self.rows_scale)) for i in keep]
        config["encode"].update(self.encode)
        return config


VARIANTS: tuple[Variant, ...] = (
    Variant("baseline", "spaCy's default: NORM+PREFIX+SUFFIX+SHAPE, depth 4, window 1, rows 2000/1000"),
    Variant("no SHAPE", "drop the SHAPE table", drop=("SHAPE",)),
    Variant("no PREFIX/SUFFIX", "drop the PREFIX and SUFFIX tables", drop=("PREFIX", "SUFFIX")),
    Variant("NORM only", "keep only NORM (subword_features = false)", drop=("PREFIX", "SUFFIX", "SHAPE")),
    Variant("no NORM", "drop the NORM table: the word itself is never embedded", drop=("NORM",)),
    Variant("depth 1", "one encoder layer instead of four", encode={"depth": 1}),
    Variant("depth 2", "two encoder layers instead of four", encode={"depth": 2}),
    Variant("rows ÷20", "every table 20× smaller: 100/50 rows", rows_scale=0.05),
    Variant("window 2", "two neighbours on each side per layer instead of one", encode={"window_size": 2}),
)


def variant(name: str) -> Variant:
    """RETURNS (Variant): the variant called `name`. RAISES TrainingError: N531 if unknown."""
    for v in VARIANTS:
        if v.name == name:
            return v
    raise TrainingError("N531", name=name, choices=", ".join(v.name for v in VARIANTS))


def build_ner(tok2vec: dict[str, Any] | None = None, labels: Iterable[str] = LABELS) -> Language:
    """A blank English pipeline with a `ner` whose tok2vec is `tok2vec` (spaCy config form).

    tok2vec (dict | None): the `[components.ner.model.tok2vec]` block; None keeps spaCy's default.
    labels (Iterable[str]): labels to add.
    RETURNS (Language): the pipeline, not initialised.
    """
    nlp = spacy.blank("en")
    config = {"model": {"tok2vec": tok2vec}} if tok2vec is not None else {}
    ner = cast("EntityRecognizer", nlp.add_pipe("ner", config=config))
    for label in labels:
        ner.add_label(label)
    return nlp


# --- Embed: attributes and hash rows -----------------------------------------------------


def attribute_table(doc: Doc) -> pd.DataFrame:
    """RETURNS (pd.DataFrame): text, norm_, prefix_, suffix_, shape_ of every token."""
    return pd.DataFrame(
        [{"text": t.text, "NORM": t.norm_, "PREFIX": t.prefix_, "SUFFIX": t.suffix_, "SHAPE": t.shape_} for t in doc]
    )


def hash_tables(nlp: Language, pipe: str = "ner") -> list[dict[str, Any]]:
    """The HashEmbed tables of a pipeline's model, in the order of the embedded attributes.

    RETURNS (list[dict]): per table: attr, rows (nV), width (nO), seed.
    """
    model = cast("TrainablePipe", nlp.get_pipe(pipe)).model
    columns = next(n.attrs["columns"] for n in model.walk() if n.name == "extract_features")
    tables = [n for n in model.walk() if n.name == "hashembed"]
    return [
        {"attr": attr, "rows": t.get_dim("nV"), "width": t.get_dim("nO"), "seed": t.attrs["seed"]}
        for attr, t in zip(columns, tables)
    ]


def hash_rows(key: int, seed: int, rows: int) -> list[int]:
    """The rows of a table that HashEmbed sums for `key`, as in thinc's HashEmbed.forward.

    key (int): the attribute's hash, e.g. token.norm (a 64-bit StringStore key).
    seed (int): the table's seed. rows (int): the table's number of rows (nV).
    RETURNS (list[int]): four row numbers (MurmurHash3 gives four 32-bit values per key).
    """
    from thinc.api import NumpyOps

    ids = numpy.asarray([key], dtype="uint64")
    return [int(r) for r in NumpyOps().hash(ids, seed)[0] % rows]


def token_rows(nlp: Language, token: Any, pipe: str = "ner") -> pd.DataFrame:
    """RETURNS (pd.DataFrame): for each table, the token's attribute value and its four rows."""
    out = []
    for table in hash_tables(nlp, pipe):
        attr = table["attr"]
        value = getattr(token, attr.lower() + "_")
        out.append(
            {
                "table": attr,
                "value": value,
                "rows in table": table["rows"],
                "rows summed": hash_rows(getattr(token, attr.lower()), table["seed"], table["rows"]),
            }
        )
    return pd.DataFrame(out)


def collision_stats(keys: Iterable[int], seed: int, rows: int) -> dict[str, float]:
    """How often distinct keys share rows of one HashEmbed table (the Bloom-embedding argument).

    keys (Iterable[int]): distinct attribute hashes, e.g. the NORM of every word in a corpus.
    RETURNS (dict): keys, rows; share_any: fraction of keys with at least one of their four rows
        also used by another key (partial sharing); share_all: fraction of keys whose set of four
        rows is exactly another key's (they would get the very same vector).
    """
    keys = list(dict.fromkeys(keys))
    row_sets = [tuple(sorted(hash_rows(k, seed, rows))) for k in keys]
    users: dict[int, set[int]] = {}
    for i, key_rows in enumerate(row_sets):
        for r in key_rows:
            users.setdefault(r, set()).add(i)
    same: dict[tuple, int] = {}
    for key_rows in row_sets:
        same[key_rows] = same.get(key_rows, 0) + 1
    n = max(1, len(keys))
    share_any = sum(any(len(users[r] - {i}) > 0 for r in key_rows) for i, key_rows in enumerate(row_sets))
    return {
        "keys": len(keys),
        "rows": rows,
        "share_any": share_any / n,
        "share_all": sum(same[key_rows] > 1 for key_rows in row_sets) / n,
    }


# --- Encode: receptive field ------------------------------------------------------------


def receptive_field(n_tokens: int, center: int, window: int, depth: int) -> list[int]:
    """Token positions whose embeddings can change the encoder's vector for `center`.

    RETURNS (list[int]): positions center - window·depth … center + window·depth, clipped.
    RAISES TrainingError: N532 if center is outside the doc or window/depth < 0.
    """
    if not 0 <= center < n_tokens or window < 0 or depth < 0:
        raise TrainingError("N532", center=center, n=n_tokens, window=window, depth=depth)
    reach = window * depth
    return list(range(max(0, center - reach), min(n_tokens, center + reach + 1)))


def decision_field(n_tokens: int, b0: int, entity_start: int | None, window: int, depth: int) -> list[int]:
    """Tokens that can influence one NER decision: the parser reads the vectors of B0, of the
    first word of the open entity and of the token before B0 (when an entity is open), so the
    decision sees the union of their receptive fields.

    RETURNS (list[int]): sorted token positions.
    """
    centers = [b0] if entity_start is None else [b0, entity_start, b0 - 1]
    return sorted({i for c in centers for i in receptive_field(n_tokens, c, window, depth)})


def plot_receptive_field(tokens: Sequence[str], center: int, window: int = 1, depths: Sequence[int] = (1, 2, 3, 4)):
    """Draw which tokens reach the vector of `tokens[center]`, one row per depth.

    RETURNS (matplotlib.figure.Figure): the figure.
    """
    import matplotlib.pyplot as plt

    grid = numpy.zeros((len(depths), len(tokens)))
    for row, depth in enumerate(depths):
        grid[row, receptive_field(len(tokens), center, window, depth)] = 1
        grid[row, center] = 2
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(tokens)), 0.6 * len(depths) + 1.2))
    ax.imshow(
        grid,
        cmap=plt.matplotlib.colors.ListedColormap(["#f0f0f0", "#9ecae1", "#e6550d"]),
        vmin=0,
        vmax=2,
        aspect="auto",
    )
    ax.set_xticks(range(len(tokens)), labels=list(tokens), rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(depths)), labels=[f"depth {d}" for d in depths])
    ax.set_title(f"Tokens that can influence '{tokens[center]}' (window {window})")
    fig.tight_layout()
    return fig


# --- Predict: the transition walk -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One transition of the greedy parse."""

    step: int
    next_token: str  # first word of the buffer (B0), the token the action is about
    open_entity: str  # words of the entity being built before the action ("" if none)
    action: str  # e.g. B-PRODUCT, I-PRODUCT, L-PRODUCT, U-PRICE, O
    runner_up: str  # the best valid action that was not taken
    margin: float  # score of the action minus score of the runner-up
    n_valid: int  # how many of all actions were allowed in this state
    entities: tuple[str, ...]  # entities finished after the action


def walk(nlp: Language, text: str, pipe: str = "ner") -> list[Step]:
    """Replay the greedy transition parse of `text`, one step per action.

    RETURNS (list[Step]): the steps; the entities of the last step are `nlp(text).ents`.
    RAISES TrainingError: N405 if the pipeline has no `pipe`.
    """
    if pipe not in nlp.pipe_names:
        raise TrainingError("N405")
    ner = cast("EntityRecognizer", nlp.get_pipe(pipe))
    doc = nlp.make_doc(text)
    for _, proc in nlp.pipeline[: nlp.pipe_names.index(pipe)]:
        doc = proc(doc)
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    state = ner.moves.init_batch([doc])[0]
    step_model = ner.model.predict([doc])
    steps: list[Step] = []
    done: list[str] = []
    while not state.is_final():
        scores = step_model.predict([state])[0]
        valid = numpy.array([ner.moves.is_valid(state, name) for name in names])
        masked = numpy.where(valid, scores, -numpy.inf)
        order = numpy.argsort(-masked, kind="stable")
        best, second = int(order[0]), int(order[1])
        b0 = state.B(0)
        start = state.E(0) if state.entity_is_open() else b0
        action = names[best]
        if action[0] in "LU":  # the entity closes on B0: words start … b0
            done.append(f"{doc[start : b0 + 1].text} ({action[2:]})")
        ner.moves.apply_transition(state, action)
        runner_up = names[second] if valid[second] else "—"
        margin = float(masked[best] - masked[second]) if valid[second] else float("inf")
        steps.append(
            Step(
                len(steps) + 1,
                doc[b0].text,
                doc[start:b0].text,
                action,
                runner_up,
                margin,
                int(valid.sum()),
                tuple(done),
            )
        )
    step_model.clear_memory()
    return steps


def walk_table(steps: Sequence[Step]) -> pd.DataFrame:
    """RETURNS (pd.DataFrame): one row per step, margins rounded to 0.1."""
    frame = pd.DataFrame([s.__dict__ for s in steps]).set_index("step")
    frame["margin"] = frame["margin"].round(1)
    frame["entities"] = frame["entities"].map(lambda e: "; ".join(e))
    return frame


class Walker:
    """Headless stepper over a walk: the state shown at position 0 … len(steps)."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)
        self.position = 0

    def go(self, position: int) -> str:
        """Move to `position` (clipped). RETURNS (str): the text of that state."""
        self.position = max(0, min(len(self.steps), position))
        return self.render()

    def render(self) -> str:
        """RETURNS (str): the last action taken, the open entity and the entities so far."""
        if self.position == 0:
            return f"start: buffer begins at '{self.steps[0].next_token}', no entity open, no entities yet"
        s = self.steps[self.position - 1]
        open_now = f"'{s.open_entity} {s.next_token}'".replace("' ", "'") if s.action[0] in "BI" else "none"
        return (
            f"step {s.step}/{len(self.steps)}: B0 = '{s.next_token}' → {s.action} "
            f"(runner-up {s.runner_up}, margin {s.margin:.1f}, {s.n_valid} valid actions)\n"
            f"open entity: {open_now}\nentities so far: {'; '.join(s.entities) or '—'}"
        )


def walk_widget(steps: Sequence[Step]) -> Any:
    """RETURNS (ipywidgets.VBox): a slider with back/forward buttons over the walk."""
    import ipywidgets as widgets

    walker = Walker(steps)
    slider = widgets.IntSlider(0, 0, len(steps), description="step")
    back, forward = widgets.Button(description="◀ back"), widgets.Button(description="forward ▶")
    out = widgets.HTML(f"<pre>{walker.render()}</pre>")
    slider.observe(lambda change: setattr(out, "value", f"<pre>{walker.go(change['new'])}</pre>"), names="value")
    back.on_click(lambda _: setattr(slider, "value", max(0, slider.value - 1)))
    forward.on_click(lambda _: setattr(slider, "value", min(len(steps), slider.value + 1)))
    return widgets.VBox([widgets.HBox([back, slider, forward]), out])


# --- Ablations ---------------------------------------------------------------------------


def run_ablation(
    variants: Sequence[Variant],
    train_records: Sequence[dict],
    dev_records: Sequence[dict],
    *,
    epochs: int,
    seeds: Sequence[int] = (0,),
    labels: Sequence[str] = LABELS,
) -> pd.DataFrame:
    """Train one blank NER per (variant, seed) with `train.train_blank` and score it on dev.

    RETURNS (pd.DataFrame): one row per run: variant, seed, micro, one column per label (F1),
        seconds (wall time of the update loop) and cpu_seconds.
    """
    from .evaluate import evaluate
    from .train import train_blank

    rows = []
    for v in variants:
        for seed in seeds:
            nlp = build_ner(v.tok2vec(), labels)
            start = time.perf_counter()
            result = train_blank(train_records, labels=labels, n_iter=epochs, seed=seed, nlp=nlp, progress=False)
            scores = evaluate(result.nlp, dev_records, labels)
            rows.append(
                {
                    "variant": v.name,
                    "seed": seed,
                    "micro": scores.micro["f"],
                    **{label: scores.per_label[label]["f"] for label in labels},
                    "seconds": result.seconds,
                    "cpu_seconds": result.cpu_seconds,
                    "total_seconds": time.perf_counter() - start,
                }
            )
    return pd.DataFrame(rows)


def summarize(
    runs: pd.DataFrame, labels: Sequence[str] = LABELS, baseline: str = "baseline", top: int = 2
) -> pd.DataFrame:
    """Mean over seeds per variant, the change from the baseline, and the labels moved most.

    RETURNS (pd.DataFrame): index variant; micro F1 (mean), sd over seeds, Δ micro, the `top`
        labels with the largest |Δ F1| ("ZIP −0.12"), and mean train seconds (CPU).
    RAISES TrainingError: N533 if the baseline is not among the runs.
    """
    if baseline not in set(runs["variant"]):
        raise TrainingError("N533", baseline=baseline, choices=", ".join(dict.fromkeys(runs["variant"])))
    order = list(dict.fromkeys(runs["variant"]))
    mean = runs.groupby("variant", sort=False)[["micro", *labels, "cpu_seconds"]].mean().loc[order]
    sd = runs.groupby("variant", sort=False)["micro"].std(ddof=1).reindex(order).fillna(0.0)
    delta = mean[list(labels)] - mean.loc[baseline, list(labels)]
    moved = [
        ""
        if name == baseline
        else ", ".join(
            f"{lab} {delta.loc[name, lab]:+.2f}"
            for lab in delta.loc[name].abs().sort_values(ascending=False, kind="stable").index[:top]
        )
        for name in order
    ]
    return pd.DataFrame(
        {
            "dev micro F1": mean["micro"].round(3),
            "sd (seeds)": sd.round(3),
            "Δ micro": (mean["micro"] - mean.loc[baseline, "micro"]).round(3),
            "labels moved most (Δ F1)": moved,
            "train s (CPU)": mean["cpu_seconds"].round(1),
        },
        index=pd.Index(order, name="variant"),
    )


def plot_ablation(runs: pd.DataFrame, labels: Sequence[str] = LABELS, baseline: str = "baseline"):
    """Left: dev micro F1 of every run (one dot per seed), with the baseline's range shaded.
    Right: heatmap of the mean Δ F1 from the baseline, per variant (rows) and label (columns).

    RETURNS (matplotlib.figure.Figure): the figure.
    """
    import matplotlib.pyplot as plt

    order = list(dict.fromkeys(runs["variant"]))
    cols = ["micro", *labels]
    mean = runs.groupby("variant", sort=False)[cols].mean().loc[order]
    delta = (mean - mean.loc[baseline]).drop(index=baseline)
    fig, (dots, ax) = plt.subplots(1, 2, figsize=(13, 0.45 * len(order) + 1.8), width_ratios=(1, 2.2))
    base = runs.loc[runs["variant"] == baseline, "micro"]
    dots.axvspan(base.min(), base.max(), color="#dddddd", label="baseline range over seeds")
    for i, name in enumerate(order):
        values = runs.loc[runs["variant"] == name, "micro"]
        dots.scatter(values, [i] * len(values), color="#3182bd", s=18, zorder=3)
    dots.set_yticks(range(len(order)), labels=order)
    dots.invert_yaxis()
    dots.set_xlabel("dev micro F1 (one dot per seed)")
    dots.legend(loc="lower left", fontsize=8)
    limit = max(0.05, float(numpy.abs(delta.values).max()))
    image = ax.imshow(delta.values, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(cols)), labels=cols, rotation=30, ha="right")
    ax.set_yticks(range(len(delta)), labels=list(delta.index))
    for (i, j), value in numpy.ndenumerate(delta.values):
        ax.text(
            j,
            i,
            f"{value:+.2f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if abs(value) > 0.6 * limit else "black",
        )
    fig.colorbar(image, ax=ax, label="Δ dev F1 vs baseline (mean over seeds)")
    ax.set_title("What each change does to dev F1, per label")
    fig.tight_layout()
    return fig


# --- Transformers: wordpieces and alignment -----------------------------------------------


def wordpiece_table(doc: Doc, tokenizer: Any) -> pd.DataFrame:
    """How spacy-transformers aligns a tokenizer's wordpieces to spaCy tokens.

    Uses `spacy_transformers.align.get_alignment_via_offset_mapping`, what spacy-transformers
    does with a fast tokenizer.
    doc (Doc): the spaCy tokens. tokenizer: a Hugging Face (fast) tokenizer.
    RETURNS (pd.DataFrame): per spaCy token: text, its wordpieces, and their positions.
    """
    from spacy_transformers.align import get_alignment_via_offset_mapping

    encoding = tokenizer([doc.text], return_offsets_mapping=True)
    pieces = tokenizer.convert_ids_to_tokens(encoding["input_ids"][0])
    align = get_alignment_via_offset_mapping(
        [doc[:]], cast("Ints2d", numpy.asarray(encoding["offset_mapping"], dtype="i"))
    )
    rows, start = [], 0
    for token, length in zip(doc, align.lengths):
        ids = [int(i) for i in align.dataXd[start : start + int(length)]]
        start += int(length)
        rows.append({"spaCy token": token.text, "wordpieces": " ".join(pieces[i] for i in ids), "positions": ids})
    return pd.DataFrame(rows)


# --- Stored multi-seed runs ----------------------------------------------------------------


def load_stored(path: Path = STORED) -> dict[str, Any]:
    """Read the runs `bench/inside_ablation.py` stored.

    RETURNS (dict): epochs (int), seeds (list[int]), runs (pd.DataFrame, one row per run).
    RAISES TrainingError: N534 if the file is missing.
    """
    import json

    if not path.is_file():
        raise TrainingError("N534", path=path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"epochs": data["epochs"], "seeds": data["seeds"], "runs": pd.DataFrame(data["runs"])}


def compare_with_stored(stored: dict[str, Any], live: dict[str, float], seed: int = 0) -> str:
    """RETURNS (str): one line per variant: live dev micro F1 next to the stored run of `seed`."""
    runs = stored["runs"]
    lines = []
    for name, f1 in live.items():
        match = runs[(runs["variant"] == name) & (runs["seed"] == seed)]
        ref = float(match["micro"].iloc[0]) if len(match) else float("nan")
        same = "same" if abs(ref - f1) < 5e-4 else "different"
        lines.append(f"{name:<10} live {f1:.3f} | stored seed {seed}: {ref:.3f} → {same}")
    return "\n".join(lines)


def paired_deltas(runs: pd.DataFrame, column: str = "micro", baseline: str = "baseline") -> pd.DataFrame:
    """Variant minus baseline for each seed (same seed = same shuffles and initial draws).

    RETURNS (pd.DataFrame): index variant, one column per seed.
    """
    table = runs.pivot(index="variant", columns="seed", values=column)
    order = [v for v in dict.fromkeys(runs["variant"]) if v != baseline]
    return (table.loc[order] - table.loc[baseline]).round(3)


def verdict(deltas: Sequence[float], spread: float) -> str:
    """The rule the notebook uses to call a difference real.

    deltas (Sequence[float]): variant minus baseline, one per seed.
    spread (float): max - min of the baseline over the same seeds.
    RETURNS (str): "lower"/"higher" when every seed moves the same way and the mean change is
        larger than the baseline's own spread between seeds; otherwise "within noise".
    """
    deltas = list(deltas)
    mean = sum(deltas) / len(deltas)
    same_sign = all(d < 0 for d in deltas) or all(d > 0 for d in deltas)
    if len(deltas) > 1 and same_sign and abs(mean) > spread:
        return "lower" if mean < 0 else "higher"
    return "within noise"


def noise_report(runs: pd.DataFrame, baseline: str = "baseline", labels: Sequence[str] = LABELS) -> str:
    """RETURNS (str): per variant, the per-seed Δ micro F1, the verdict, and the labels whose
    change passes the same rule."""
    base = runs[runs["variant"] == baseline]
    spread = float(base["micro"].max() - base["micro"].min())
    lines = [
        f"baseline micro F1 over seeds: {base['micro'].min():.3f} … {base['micro'].max():.3f} (spread {spread:.3f})"
    ]
    micro = paired_deltas(runs, "micro", baseline)
    per_label = {label: paired_deltas(runs, label, baseline) for label in labels}
    label_spread = {label: float(base[label].max() - base[label].min()) for label in labels}
    for name, row in micro.iterrows():
        moved = [
            f"{label} {per_label[label].loc[name].mean():+.2f}"
            for label in labels
            if verdict(per_label[label].loc[name], label_spread[label]) != "within noise"
        ]
        lines.append(
            f"{name:<17} Δ micro per seed {' '.join(f'{d:+.3f}' for d in row)} → "
            f"{verdict(row, spread):<12} | labels beyond their own noise: {', '.join(moved) or 'none'}"
        )
    return "\n".join(lines)


def casing_report(
    runs: pd.DataFrame,
    variants: Sequence[str] = ("NORM only", "no SHAPE"),
    baseline: str = "baseline",
    labels: Sequence[str] = LABELS,
) -> str:
    """RETURNS (str): mean Δ F1 per label (and micro) of the variants that lose case information."""
    mean = runs.groupby("variant")[["micro", *labels]].mean()
    header = f"{'Δ F1 vs baseline':<17}" + "".join(f"{c:>10}" for c in ["micro", *labels])
    rows = [
        f"{name:<17}" + "".join(f"{mean.loc[name, c] - mean.loc[baseline, c]:>+10.3f}" for c in ["micro", *labels])
        for name in variants
    ]
    return "\n".join([header, *rows])

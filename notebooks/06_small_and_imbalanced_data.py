# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,jupyter,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Small and imbalanced data: measure first, then augment, add rules, or skip the model
#
# Our training set has about 1,300 posts, not many for NER, and some labels are rare: for every URL
# there are many products.
# In this notebook you will measure what that means instead of guessing. You will count the labels,
# draw a learning curve per label (how F1 grows with the number of training posts) in which every
# model gets the same number of updates and every point is repeated over several seeds, test two
# kinds of data augmentation against a fair control, write EntityRuler patterns for the labels
# that have a fixed shape, place the ruler in a pipeline next to the model yourself, and compare
# rules, model and hybrid label by label. At the end you will be able to decide, with numbers,
# when a model is worth training at all.

# %% tags=["nbval-ignore-output"]
import itertools
import random
from collections import Counter

import pandas as pd
import spacy
from spacy import displacy
from spacy.training import Example
from spacy.training.augment import create_lower_casing_augmenter

from course import augment, evaluate, exercises, experiments, formats, quiz, rules, settings, viz
from course.check import ____
from course.train import train_blank

spacy.util.fix_random_seed(0)  # Python, NumPy and Thinc; this notebook uses no torch
DATA = settings.data_path("hardware_posts")
train, dev = formats.read_jsonl(DATA / "train.jsonl"), formats.read_jsonl(DATA / "dev.jsonl")
LABELS = list(settings.LABELS)
FAST = settings.is_fast()  # True in the course's CI, which runs a shortened version
SIZES = (25, 100) if FAST else (25, 100, len(train))  # training posts per learning-curve point
SEEDS = (0, 1) if FAST else (0, 1, 2)                 # every experiment is repeated per seed
N_UPDATES = 15 if FAST else 125                       # updates per training run, for every run
BATCH = 8                                             # examples per update
AUG_SIZE = 100  # training posts in the augmentation experiment (both modes)
print(f"{'fast' if FAST else 'learner'} mode: {len(train)} training posts, {len(dev)} dev posts; every model: "
      f"{N_UPDATES} updates of {BATCH} posts ({N_UPDATES * BATCH} examples), seeds {SEEDS}")

# %% [markdown]
# `formats.read_jsonl` reads the posts as records (`{"text", "entities"}`) and stops with the line
# number at the first malformed line; the experiments below take such records. Where we count or
# score in plain spaCy, we turn them into `Example`s, as in notebook 03. The docs come from the
# tokenizer of the pipeline that will use them: `nlp.evaluate` runs the pipeline on them, and a doc
# made with another pipeline's vocabulary does not know its label names (spaCy stops with E084).
# `labels` keeps only the gold entities of some labels, for scoring rules that can only find those.

# %%
def to_examples(nlp: spacy.language.Language, records: list[dict], labels: list[str] = LABELS) -> list[Example]:
    """spaCy Examples with the records' gold entities of `labels`, tokenized by nlp."""
    return [Example.from_dict(nlp.make_doc(r["text"]), {"entities": [e for e in r["entities"] if e[2] in labels]})
            for r in records]


nlp_blank = spacy.blank("en")
train_examples, dev_examples = to_examples(nlp_blank, train), to_examples(nlp_blank, dev)

# %% [markdown]
# ## How imbalanced is the data?
#
# We count entity **mentions** per label in train and dev (the gold entities are on
# `example.reference`), and each label's share of all training mentions.

# %%
def label_counts(examples: list[Example]) -> Counter:
    return Counter(ent.label_ for eg in examples for ent in eg.reference.ents)


counts = pd.DataFrame({"train": label_counts(train_examples), "dev": label_counts(dev_examples)}).reindex(LABELS)
counts["train share"] = (counts["train"] / counts["train"].sum()).round(3)
counts

# %%
colors = [viz.LABEL_COLORS[label] for label in counts.index]  # the course's label colours
ax = counts["train"].plot.barh(color=colors, edgecolor="#555555", figsize=(6, 3),
                               title="Entity mentions per label in train")
ax.invert_yaxis()
_ = ax.set_xlabel("mentions")

# %%
ratio = counts.loc["PRODUCT", "train"] / counts.loc[["URL", "ZIP", "USERNAME"], "train"]
print("PRODUCT mentions per mention of:", ratio.round(1).to_dict())

# %% [markdown]
# `PRODUCT` has many times as many examples as `URL`, `ZIP` or `USERNAME` (the ratios are printed
# above). Two things follow.
#
# 1. **The micro average hides the rare labels.** Micro F1 pools all mentions, so it mostly
#    reflects `PRODUCT`, `PRICE` and `LOCATION`. Always read the per-label table next to it.
# 2. **Rare labels are measured roughly.** Dev has only 21 to 34 mentions of each rare label, so
#    a single span moves its score by several points:

# %%
for label in ("ZIP", "URL", "USERNAME"):
    n = counts.loc[label, "dev"]
    print(f"{label:<9} {n:>3} dev mentions → one span = {1 / n:.1%} of its recall")

# %% [markdown]
# ## A learning curve per label, with a fair budget
#
# How much data does each label need? A **learning curve** answers that: train the same model on
# growing subsets of the training set and score each one on the same dev set. The subsets are
# *nested* (each contains the smaller ones), so a curve shows the effect of adding posts.
#
# "The same model" must include the same amount of training. Notebook 03 found that a model needs
# enough *updates*, not enough epochs: an epoch over 25 posts is only a handful of updates. Train
# every size for the same number of epochs and the small sets are not only small but also
# under-trained, and the curve mixes the two effects. This is how many updates ten epochs would
# give each size, with batches of 8:

# %% tags=["nbval-ignore-output"]
print({n: -(-n // BATCH) * 10 for n in SIZES}, "updates for 10 epochs")
print(f"here: {N_UPDATES} updates for every size: {N_UPDATES * BATCH // SIZES[0]} passes over {SIZES[0]} posts, "
      f"{N_UPDATES * BATCH / max(SIZES):.1f} over {max(SIZES)}")

# %% [markdown]
# So every run below makes exactly the same number of updates, cycling through its posts as often
# as it needs (the passes are printed above). That budget, 1,000 examples, is what notebook 03
# gave its 25-post model, and what a 2-core laptop can afford for every run of this notebook
# (one per size and seed here, one per training set and seed later). It is plenty for
# the small sets, but it is less than one pass over all the training posts (printed above), so
# some of them are never seen, where notebook 03 trained five epochs. So the right-hand end of the
# curve is a lower bound: if anything the curve *understates* what the larger sets are worth.
#
# ### Exercise 06.1 · A fixed number of updates
#
# Write that loop in plain spaCy. Complete `train_for_updates`: exactly `n_updates` calls of
# `nlp.update`, each with `batch_size` examples. `itertools.cycle(examples)` is an endless stream
# that starts again at the first example after the last one, so a small set is simply seen more
# often. (The check trains a tiny pipeline on three posts and counts your updates.)

# %% tags=["exercise"]
# Exercise 06.1
def train_for_updates(nlp, examples, n_updates, batch_size, optimizer):
    """Exactly n_updates calls of nlp.update with batch_size examples each, cycling through the examples."""
    stream = itertools.cycle(examples)  # example 1, 2, ..., n, 1, 2, ...
    losses = {}
    for _ in range(____):
        batch = ____  # batch_size examples, taken from the stream
        nlp.update(batch, sgd=optimizer, losses=losses)
    return losses


# %%
exercises.check("06.1", train_for_updates)

# %% [markdown]
# One run tells you little about a small training set: which 25 posts you happened to draw and the
# random start of the weights move the score by several points. So every size is trained once per
# seed, and each seed draws its own nested subsets. `experiments.learning_curve_runs` runs the loop
# of exercise 06.1 (with a new shuffled order in every pass) for each size and seed; what it adds is
# the bookkeeping of a fair experiment: nested subsets per seed, the seed fixed for weights, dropout
# and order, and one row of per-label dev scores per run. Each model is also
# scored with the refined rules of the section "Rules for the labels with a fixed shape" put in
# front of it; we use that column at the end. This is the slowest cell of the notebook.

# %%
RULE_LABELS = list(rules.PATTERN_LABELS)
REFINED = rules.patterns(RULE_LABELS, refined=True)  # patterns of the section on rules, in add_patterns form


def hybrid(model: spacy.language.Language, ruler_first: bool = True, overwrite: bool = False) -> spacy.language.Language:
    """A new pipeline: the model's ner (shared, not copied) and an entity_ruler with the refined patterns."""
    nlp = spacy.blank("en")
    nlp.add_pipe("ner", source=model)
    ruler = nlp.add_pipe("entity_ruler", before="ner" if ruler_first else None, config={"overwrite_ents": overwrite})
    ruler.add_patterns(REFINED)
    return nlp


# %% tags=["nbval-ignore-output"]
runs, models = experiments.learning_curve_runs(train, dev, SIZES, SEEDS, n_updates=N_UPDATES, batch_size=BATCH,
                                               add_ons={"with rules": hybrid})
# mean, lowest and highest score over the seeds, per size
curve = runs[runs.pipeline == "model"].groupby("posts")[[*LABELS, "micro"]].agg(["mean", "min", "max"]).round(3)
curve.xs("mean", axis=1, level=1)

# %% [markdown]
# The table holds the mean over the seeds; the plot adds the lowest and highest seed as a band
# around each line.

# %%
mean, low, high = (curve.xs(stat, axis=1, level=1) for stat in ("mean", "min", "max"))
fig = viz.plot_learning_curve(list(curve.index), {l: mean[l].tolist() for l in [*LABELS, "micro"]},
                              bands={l: (low[l].tolist(), high[l].tolist()) for l in [*LABELS, "micro"]},
                              title=f"Strict F1 on dev vs training posts ({len(SEEDS)} seeds, {N_UPDATES} updates each)",
                              metric="strict F1", xlabel="training posts")

# %% tags=["nbval-ignore-output"]
width = (high - low).round(3)
print("spread over seeds (max - min) per size:")
print(width[[*LABELS, "micro"]].to_string())
first, last = mean.iloc[0], mean.iloc[-1]
print(f"micro F1: {first['micro']:.3f} with {first.name} posts, {last['micro']:.3f} with {last.name}")
print("labels below micro F1 with all posts:", [l for l in LABELS if last[l] < last["micro"]])
print("gain from the second-largest to the largest size:", (mean.iloc[-1] - mean.iloc[-2]).round(3)[LABELS].to_dict())

# %% [markdown]
# Read the curve label by label, not only the thick micro line, and read the bands: where a band is
# wide, the seeds disagree and a difference between two points may be luck.
#
# - **`PRICE`** (currency signs) needs few posts: it is high from the smallest set on, with a
#   narrow band at every size. `USERNAME` (mostly `u/…`) has a fixed shape too, but at 25 and 100
#   posts its seeds disagree widely (its spread in the table above); only with all posts are all
#   three seeds high.
# - **`LOCATION`** is the one label whose mean clearly gains from 100 posts to all of them (the
#   last line printed above), with narrow bands at both sizes.
# - **`PRODUCT` and `URL`**, and with them micro F1, score *lower* with all posts than with 100 at
#   this budget (the same line); `PRICE` and `CONDITION` stay about level. `URL` drops to zero with
#   every seed, and `PRODUCT`'s seeds lie far apart with all posts (its spread). This is the
#   caveat above at work: with less than one pass over the largest set, the budget, not the data,
#   limits the right-hand end, so this curve cannot tell whether more posts would help these
#   labels. The model trained for five epochs later in this notebook answers that.
# - **`ZIP`** scores zero with every seed from 100 posts on (its spread is zero there); only at 25
#   posts does it find some, with a wide band. Five-digit numbers also occur in model names and
#   prices, and at this budget the model does not learn the difference. For a small project, the
#   cheapest improvement for it is probably not more annotation. We come back to that after trying
#   augmentation.


# %% [markdown]
# ## Data augmentation: new posts from old ones
#
# Augmentation makes extra training examples by changing existing ones in ways that keep the
# annotation correct. We try two kinds and measure each.
#
# ### Entity swapping
#
# Replace an entity with another string of the same label, so that the model learns from the
# *context* (`[H] … [W]`, `asking … shipped`) rather than memorising the names it saw. The
# replacements come from a **gazetteer**: every distinct entity string per label, collected from
# the training posts only (taking them from dev or test would leak evaluation data into training).

# %%
gazetteer = augment.build_gazetteer(train)
{label: len(strings) for label, strings in gazetteer.items()}

# %% [markdown]
# Swapping changes the length of the text, so every later offset moves: `swap_entities` rebuilds
# the text and the offsets together. If a replacement would not line up with spaCy's tokens in
# its new context, it keeps the original entity and counts it in `kept`; nothing is dropped
# silently.

# %%
SWAP_LABELS = ["PRODUCT", "LOCATION", "CONDITION"]
post = next(rec for rec in train if rec["text"].startswith("[USA-TX] [H] EVGA"))
swapped = augment.swap_entities(post, gazetteer, random.Random(0), labels=SWAP_LABELS)
print("before:", post["text"])
print("after: ", swapped.record["text"], f"(swapped {swapped.swapped}, kept {swapped.kept})")
doc = nlp_blank.make_doc(swapped.record["text"])
doc.ents = [doc.char_span(start, end, label=label) for start, end, label in swapped.record["entities"]]
displacy.render(doc, style="ent")

# %% [markdown]
# This swap shows the weakness of the method: the title tag `[USA-TX]` became `[Zürich]`, a city
# in the title brackets, which no one would write (the place tags of real titles are regions like
# `[EU-DE]`). The gazetteer's `LOCATION` strings are cities and countries as well as region tags,
# and swapping treats every string of a label as interchangeable, so other swapped posts can come
# out like this one, and some are odd in other ways. That is the price of a simple method, and another
# reason to *measure* whether it helps.
#
# ### Lower-casing
#
# Some training posts are written entirely in lower case (`selling a 3060, used, 220 obo lol,
# nyc`):

# %%
all_lower = [r for r in train if r["text"] == r["text"].lower()]
print(f"{len(all_lower)} of {len(train)} training posts are all lower case")

# %% [markdown]
# A model that learned "products start with capitals" fails on those. spaCy ships a
# lower-casing augmenter (`spacy.training.augment.create_lower_casing_augmenter`, also usable in a
# training config); `augment.apply_augmenter` runs any spaCy augmenter over our records, and
# `augment.lowercase_augment` uses it to make lower-cased copies of a random share of the posts and
# returns them as records again. Lower-casing keeps every offset, so the entities stay where they
# were. The augmenter itself, in plain spaCy, on one `Example`:

# %%
lower = create_lower_casing_augmenter(level=1.0)  # level: the share of examples it lower-cases
example = Example.from_dict(nlp_blank.make_doc(post["text"]), {"entities": post["entities"]})
[lowered] = lower(nlp_blank, example)  # an augmenter yields the new examples
displacy.render(lowered.reference, style="ent", options={"colors": viz.LABEL_COLORS})

# %% [markdown]
# ### Oversampling a rare label
#
# A third kind needs no new text at all: show the model the posts that contain a rare label more
# often, by adding copies of them. That changes how the updates are shared between the labels,
# not what the posts teach.
#
# ### Exercise 06.2 · Oversample the posts with a rare label
#
# Complete `oversample`: return the examples, plus `copies` extra copies of every example whose
# **gold** entities include `label`.

# %% tags=["exercise"]
# Exercise 06.2
def oversample(examples, label, copies):
    """The examples, plus `copies` extra copies of every example whose gold entities include `label`."""
    rare = [eg for eg in examples if ____]
    return examples + ____


# %%
exercises.check("06.2", oversample)

# %% [markdown]
# ### Measuring the effect, fairly
#
# Augmentation matters most when data is scarce, so the experiment uses a small training set (the
# first posts of a shuffle of the training set). We compare the original posts alone, with swapped
# copies added, with lower-cased copies of half of the posts added (a post that is already in
# lower case gets no copy, so the table counts a few fewer), and with two extra copies of
# every post that has a `URL` (oversampling, as in exercise 06.2, done here on the records). Each
# model is scored on the normal dev set and on a **lower-cased copy of dev**, which stands in for
# users who never press Shift, and we also keep its `URL` F1 on dev. The dev posts themselves are
# never augmented: augmented evaluation data would measure the augmentation, not the model.
#
# Mind the trap in "train each set for ten epochs": an augmented set is larger, so ten epochs over
# it are more updates. A gain could then come from the extra training alone, and the original posts
# would have improved as much by being seen twice as often. The fair control is the original set
# trained for the same number of updates, which is the same as duplicating it to the size of the
# augmented set. With ten epochs the sets would get these numbers of updates:

# %% tags=["nbval-ignore-output"]
shuffled = list(train)
random.Random(0).shuffle(shuffled)
small = shuffled[:AUG_SIZE]
swap_copies = augment.swap_augment(small, gazetteer, labels=SWAP_LABELS, seed=0)
lower_copies = augment.lowercase_augment(small, fraction=0.5, seed=0)
dev_lower = augment.lowercase(dev)
RARE = "URL"
rare_posts = [r for r in small if any(label == RARE for _, _, label in r["entities"])]
print(f"{len(rare_posts)} of the {len(small)} posts have a {RARE}")
variants = {"original": small, "+ swapped": small + swap_copies, "+ lower-cased": small + lower_copies,
            f"+ {RARE} posts x3": small + rare_posts * 2}
pd.DataFrame({"posts": {name: len(records) for name, records in variants.items()},
              "updates in 10 epochs": {name: -(-len(records) // BATCH) * 10 for name, records in variants.items()},
              "updates here": {name: N_UPDATES for name in variants}})

# %% [markdown]
# Here every variant gets the same number of updates, once per seed (the copies are fixed; the
# seed changes the weights, dropout and order). `experiments.training_set_runs` is the same
# bookkeeping as the learning curve: one seeded run per variant and seed, each with the loop of
# exercise 06.1. The cell takes a while.

# %% tags=["nbval-ignore-output"]
SCORES = ["dev F1", "lower-cased dev F1", f"dev F1 {RARE}"]
aug_runs = experiments.training_set_runs(variants, {"dev F1": dev, "lower-cased dev F1": dev_lower}, SEEDS,
                                         n_updates=N_UPDATES, batch_size=BATCH, per_label=[RARE])
effect = aug_runs.groupby("variant", sort=False)[SCORES].agg(["mean", "min", "max"]).round(3)
effect

# %% [markdown]
# The gain of each variant over the original posts, seed by seed (same seed, same updates), and
# how many of the seeds agree on its sign:

# %% tags=["nbval-ignore-output"]
by_seed = aug_runs.pivot(index="seed", columns="variant", values=SCORES)
gains = {(col, name): by_seed[col][name] - by_seed[col]["original"]
         for col in SCORES for name in list(variants)[1:]}
gain_table = pd.DataFrame.from_dict({key: {"mean gain": g.mean(), "lowest": g.min(), "highest": g.max(),
                                          "seeds with a gain": f"{(g > 0).sum()} of {len(g)}"}
                                    for key, g in gains.items()}, orient="index")
gain_table.round(3)

# %% [markdown]
# What survives the control and the seeds:
#
# - **Lower-cased copies** raise the score on lower-cased dev with every seed, by several points
#   (the row "lower-cased dev F1, + lower-cased" above). That effect is robust. But at the same
#   number of updates they *cost* a few points on normal dev, again with every seed (the row
#   "dev F1, + lower-cased"): about a third of the updates now go to lower-cased copies instead of
#   normal posts. It is a trade-off, not a free gain: worth it if many of your users type in lower
#   case.
# - **Entity swapping** costs on normal dev with every seed, from almost nothing to a lot (the
#   lowest and highest gain in the row "dev F1, + swapped"), and the seeds disagree on its effect
#   on lower-cased dev. Trained for ten epochs, the swapped set would also get about twice the
#   updates of the original, and the extra training could have hidden that loss or been credited to
#   swapping; with the same updates, the swapped copies did worse than the original posts seen more
#   often.
# - **Oversampling** (the rows `+ URL posts x3`) raises `URL` F1 on dev with every seed, and by far
#   more than swapping and lower-casing, which copy every kind of post and raise it only a little
#   on average, not with every seed (the `dev F1 URL` rows). So the gain comes from showing the
#   `URL` posts more often, not from extra posts as such. It is not free either: normal dev F1
#   drops with every seed, as fewer updates are left for the other posts. And dev has only 34
#   URLs, so a few spans make these differences, and even oversampled the `URL` F1 stays low (the
#   `dev F1 URL` columns of the first table). Copies show the model the same few links more often;
#   they cannot show it a kind of link it has never seen. For a rare label with a fixed shape, the
#   rules later in this notebook do far better.
#
# This is still a small experiment (one training set of 100 posts, a few seeds). Whether any of
# this holds with all the training posts is something to measure, not assume: set
# `AUG_SIZE = len(train)` and run the cells again. Augmentation is cheap, but it never replaces
# real posts: the swapped posts contain oddities like a city as a title tag, and they cannot teach
# anything that is not in the originals.

# %% [markdown]
# ## Rules for the labels with a fixed shape
#
# `ZIP`, `URL`, `USERNAME` and many `PRICE` mentions follow a shape, so spaCy's `EntityRuler` can
# find them with token patterns, no training needed. A ruler is a pipeline component like the
# `ner`; in plain spaCy:

# %%
nlp = spacy.blank("en")
ruler = nlp.add_pipe("entity_ruler")
ruler.add_patterns([{"label": "ZIP", "pattern": [{"SHAPE": "dddd", "LENGTH": 5}]},
                    {"label": "PRICE", "pattern": [{"ORTH": "$"}, {"LIKE_NUM": True}]}])
print([(ent.text, ent.label_) for ent in nlp("RTX 3080 for $450, pickup 78701").ents])

# %% [markdown]
# ### Exercise 06.3 · A ZIP pattern of one token
#
# `SHAPE` replaces digits by `d` and letters by `x`/`X`, but it keeps at most four characters of a
# kind in a row. Write `zip_pattern`, a one-token pattern that finds five-digit ZIP codes and
# neither `3080` nor `450`.

# %% tags=["exercise"]
# Exercise 06.3
zip_pattern = [____]  # one dict: the attributes of a single token

# %%
exercises.check("06.3", zip_pattern)

# %% [markdown]
# ### Exercise 06.4 · Prices with the currency after the number
#
# Polish and euro prices are often written with the currency *after* the amount: `1100 PLN`,
# `160€`, and British sellers write `55 quid`. Complete the pattern: a number (`LIKE_NUM`),
# followed by a token whose lower-case form is one of a list. Fill in the list so that the three
# prices are found and `850 watts` or `2 sticks` are not. Run the tokenizer on `160€` first if
# you are unsure how it splits.

# %% tags=["exercise"]
# Exercise 06.4
currencies_after = ____  # a list of currency words and signs
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]

# %%
exercises.check("06.4", price_after)

# %% [markdown]
# ### From a first draft to refined rules
#
# Notebook 01 wrote a first draft of patterns for the four labels, `rules.PATTERNS`;
# `rules.patterns(labels)` returns them in the form `add_patterns` takes. Here is how the draft
# does on the **training** posts (we fix rules on train and keep dev for the verdict, exactly as
# with a model). `evaluate.evaluate` scores like spaCy's scorer, and adds what we need to fix
# rules: every gold and predicted entity paired up, each error listed with its context.

# %%
draft = spacy.blank("en")
draft.add_pipe("entity_ruler").add_patterns(rules.patterns(RULE_LABELS))
draft_train = evaluate.evaluate(draft, train, RULE_LABELS)
draft_train.table()

# %% [markdown]
# The error list tells us what to fix. A few typical rows:

# %%
errors = draft_train.errors
picks = [errors[errors.gold_text == "C$450"], errors[errors.pred_text == "12600"].head(1),
         errors[errors.gold_text == "M1 1AE"], errors[errors.gold_text == "$300 CAD"],
         errors[errors.gold_text == "160€"], errors[errors.gold_label.eq("URL")]]
pd.concat(picks)[["snippet", "gold_text", "pred_text", "error"]]

# %% [markdown]
# The second row, drawn with displaCy: the draft's ZIP pattern fires inside a CPU's model name.

# %%
text = next(r["text"] for r in train if "i5-12600K" in r["text"])
displacy.render(draft(text), style="ent", options={"colors": viz.LABEL_COLORS})

# %% [markdown]
# Each row suggests a pattern:
#
# - Canadian and Australian dollars are written `C$450` and `A$730`; the tokenizer splits them
#   into `C$` and `450`, so the currency list needs `C$` and `A$`. Sellers also write `CA$500` and
#   `AU$120`, and those the tokenizer does *not* split (see the next cell): a sign-then-number
#   pattern never sees them, so the refined set matches the whole token with a regular expression.
# - `12600` in `i5-12600K` looks like a ZIP code. A token pattern sees one token at a time, so
#   `course.rules` adds a custom token attribute, `Token._.course_standalone`, which is False for a
#   token glued to letters or a hyphen. The ZIP pattern requires it to be True.
# - UK (`M1 1AE`) and Canadian (`M4C 1B5`) postcodes are two tokens with their own shapes.
# - `$300 CAD` puts a currency code after the number, as `160€` (exercise 06.4) puts a sign.
# - `imgur.com/a/Ps5sL1m` is split before the last `m` (the tokenizer reads `1m` as a number with a
#   unit), so a URL token followed directly by letters takes them along.

# %%
print({text: [t.text for t in nlp.make_doc(text)] for text in ("C$450", "A$730", "CA$500", "AU$120", "US$300")})

# %% [markdown]
# These fixes are in `rules.REFINED_PATTERNS`. The price patterns, for example:

# %%
for pattern in rules.REFINED_PATTERNS["PRICE"]:
    print(pattern)

# %% [markdown]
# Now the verdict on dev, which played no part in writing either set of patterns. From here on we
# score in plain spaCy: `nlp.evaluate(examples)` returns strict precision, recall and F1, micro
# (`ents_p`, `ents_r`, `ents_f`) and per label (`ents_per_type`). The gold entities of the other
# labels are left out of the dev examples for the rules, which cannot find them:

# %%
def f1_table(pipelines: dict, records: list[dict], labels: list[str]) -> pd.DataFrame:
    """Strict F1 per label and micro, one column per pipeline, from nlp.evaluate."""
    table = {}
    for name, nlp in pipelines.items():
        scores = nlp.evaluate(to_examples(nlp, records, labels))
        table[name] = [scores["ents_per_type"].get(l, {}).get("f", 0.0) for l in labels] + [scores["ents_f"]]
    return pd.DataFrame(table, index=[*labels, "micro"]).round(3)


refined = spacy.blank("en")
refined.add_pipe("entity_ruler").add_patterns(REFINED)
dev_rule_examples = to_examples(refined, dev, RULE_LABELS)
f1_table({"first draft": draft, "refined": refined}, dev, RULE_LABELS)

# %% [markdown]
# Which dev entities do the refined rules miss, and do they find any that are not there? A few lines
# of plain spaCy compare the predicted and the gold spans of each post:

# %%
scores = refined.evaluate(dev_rule_examples)
print(f"refined rules on dev: precision {scores['ents_p']:.3f}, recall {scores['ents_r']:.3f}")
for eg, doc in zip(dev_rule_examples, refined.pipe(eg.reference.text for eg in dev_rule_examples)):
    gold = {(e.start_char, e.end_char, e.label_): e.text for e in eg.reference.ents}
    pred = {(e.start_char, e.end_char, e.label_): e.text for e in doc.ents}
    for kind, keys, spans in (("missed", gold.keys() - pred.keys(), gold), ("wrong", pred.keys() - gold.keys(), pred)):
        for start, end, label in sorted(keys):
            print(f"{kind:<6} {label:<8} {spans[start, end, label]!r:<8} in …{doc.text[max(0, start - 30):end + 20]}…")
for name, records in (("dev", dev), ("train", train)):
    price = refined.evaluate(to_examples(refined, records, ["PRICE"]))["ents_per_type"]["PRICE"]
    print(f"refined PRICE rules on {name}: precision {price['p']:.3f}, recall {price['r']:.3f}")

# %% [markdown]
# The refined rules find most pattern-like entities in dev with no training data at all, and few
# wrong ones (precision and recall printed above, and the `wrong` lines). Most of what they miss
# needs context: a bare number is a price because of where it stands (`150 local`, `asking 210
# shipped`), a price can be written in words (`ninety bucks`), and an Australian postcode
# (`Melbourne 3000`) is just a four-digit number without its city. A few misses are shapes the
# patterns did not foresee (a username written `U/…`, or with hyphens): those you fix on train, not
# on dev. The PRICE rules miss even more on train than on dev (their recall in the last two
# lines), so these misses are no quirk of dev. The context part is what a model could add.

# %% [markdown]
# ## Rules and model together
#
# A **hybrid** pipeline runs the ruler and the trained `ner` in one pipeline. Where the ruler goes
# matters, because by default a component that sets entities only adds to what is already on
# the `Doc`:
#
# - **ruler first** (`before="ner"`): the `ner` sees the ruler's entities already on the `Doc`,
#   keeps them, and predicts only around them. The rules win where both fire.
# - **ruler last** (the default position): with `overwrite_ents=False` (the default) the ruler
#   only adds entities where the model found nothing, so the model wins; with
#   `overwrite_ents=True` the ruler replaces the model's entities where they overlap, so the rules
#   win again, but the model never saw them.
#
# The `hybrid` function defined before the learning curve builds these pipelines: a fresh
# `spacy.blank("en")`, `nlp.add_pipe("ner", source=model)` (the trained component is shared, not
# copied or retrained) and `nlp.add_pipe("entity_ruler", before=..., config=...)`. Now place a
# ruler yourself. The checks use a small stand-in `ner` that makes one typical mistake fast: it
# calls every five-digit number a PRICE.
#
# ### Exercise 06.5 · Put the entity_ruler before the ner

# %% tags=["exercise"]
# Exercise 06.5
def add_rules_first(nlp, patterns):
    """Add an entity_ruler with `patterns` before the ner, which keeps the rules' entities."""
    ruler = nlp.add_pipe("entity_ruler", ____)
    ruler.add_patterns(patterns)
    return nlp


# %%
exercises.check("06.5", add_rules_first)

# %% [markdown]
# ### Exercise 06.6 · Let a ruler at the end overwrite the model
#
# Sometimes the ruler must run last, for example because it was added to a pipeline you loaded,
# after its `ner`. Keep the default position and make its entities win through its config.

# %% tags=["exercise"]
# Exercise 06.6
def add_rules_last(nlp, patterns):
    """Add an entity_ruler at the end whose entities replace the model's where they overlap."""
    ruler = nlp.add_pipe("entity_ruler", config=____)
    ruler.add_patterns(patterns)
    return nlp


# %%
exercises.check("06.6", add_rules_last)

# %% [markdown]
# ### The three placements on dev
#
# The learning curve's models are the wrong opponent for the rules: its fixed budget is fair
# between sizes, but it lets the model trained on all posts see less than one pass over them (the
# passes printed at the start). Rules measured against an under-trained model would look better
# than they are. So here we train one model on all training posts for five epochs (notebook 05's
# setting; `train_blank` is the epoch loop of notebook 03 plus validation and a progress bar,
# switched off here)
# and build the three hybrids around it. The cell takes about a minute.

# %% tags=["nbval-ignore-output"]
model = train_blank(train, n_iter=2 if FAST else 5, seed=0, progress=False).nlp
print(f"trained on {len(train)} posts for {2 if FAST else 5} epochs")
pipelines = {"rules": refined, "model": model, "ruler first": hybrid(model),
             "ruler last": hybrid(model, ruler_first=False),
             "ruler last, overwrite": hybrid(model, ruler_first=False, overwrite=True)}
print({name: nlp.pipe_names for name, nlp in pipelines.items()})

# %% tags=["nbval-ignore-output"]
comparison = f1_table(pipelines, dev, LABELS)
comparison

# %%
fig = viz.plot_compare(comparison, title="Strict F1 on dev: rules, model and hybrids")

# %% [markdown]
# One dev post with a ZIP code, through the model alone and with the ruler first (the first such
# post on which the two disagree). `displacy.render` draws both; a title in `doc.user_data` names
# each, and the course's label colours go in `options`:

# %% tags=["nbval-ignore-output"]
ruler_first = pipelines["ruler first"]
zip_texts = [eg.reference.text for eg in dev_examples if "ZIP" in {e.label_ for e in eg.reference.ents}]
ents = lambda doc: [(e.text, e.label_) for e in doc.ents]  # noqa: E731
text = next((t for t in zip_texts if ents(model(t)) != ents(ruler_first(t))), zip_texts[0])
docs = [model(text), ruler_first(text)]
for doc, title in zip(docs, ("model", "ruler first")):
    doc.user_data["title"] = title
displacy.render(docs, style="ent", options={"colors": viz.LABEL_COLORS})

# %% tags=["nbval-ignore-output"]
print("ruler first minus model:", (comparison["ruler first"] - comparison["model"]).round(3).to_dict())
print("ruler first minus rules:", (comparison["ruler first"] - comparison["rules"]).round(3)[RULE_LABELS].to_dict())

# %% [markdown]
# Label by label. This is one model (seed 0), so small differences below should not be read as a
# verdict.
#
# - On `URL` the rules beat the model trained on every post for five epochs by a wide margin, and
#   on `ZIP` by a smaller one, about what one or two of the dev ZIPs are worth (printed at the
#   start), although this model finds far more of both than the learning curve's under-trained
#   ones. In the post drawn above, the model gets the city and the postcode right but calls the
#   image link a `PRODUCT`; with the ruler first, the link gets its own label. The two placements
#   that let the rules win (ruler first, or last with `overwrite_ents`) lift `URL` far and `ZIP`
#   clearly above the model (the first printed line), to the level of the rules alone (the second
#   line is about zero for both): on these two labels the model adds nothing to the rules, and
#   the rules lose nothing to it. The ruler last *without* overwriting changes nothing on `ZIP`
#   (the same F1 as the model) and closes only part of the gap on `URL`: wherever the model has
#   already put an entity of its own on the tokens of a ZIP or a URL, like the `PRODUCT` on the
#   link above, the ruler adds nothing there.
# - On `PRICE` the model alone scores higher than the rules, which miss the prices that only
#   context gives away (the `missed PRICE` lines above), and the ruler last without overwriting
#   keeps the model's score. The two placements that let the rules win score a little below the
#   model (the first line), probably where a rule's span, such as the `wrong PRICE` lines above,
#   replaces a better one of the model's; they still score well above the rules alone (the second
#   line).
# - On `USERNAME` the model alone is perfect on dev, above the rules, and the ruler last without
#   overwriting keeps that. The placements that let the rules win lose about what one span is
#   worth among the dev usernames (printed at the start), most likely the rules' wrong
#   `u/Rack-Unit` in the list above, which now wins over the model's full username. They still
#   score well above the rules alone (the second line).
# - On `PRODUCT` and `LOCATION` the rules find nothing (zero in the rules column), yet both
#   placements that let the rules win score higher than the model. With the ruler last and
#   `overwrite_ents`, the `ner` ran first and never saw the rules, so that gain can only come from
#   the ruler deleting model spans that a rule match overlaps (with `overwrite_ents=True` spaCy's
#   `entity_ruler` removes every entity a match overlaps, whatever its label): wrong spans like
#   the `PRODUCT` on the link above. The ruler first gains about as much (a hair more); there the
#   `ner` predicts around the rules' entities. These gains are small, a point or less. On
#   `CONDITION` only the ruler first differs from the model, lower by less than a point.
#
# ### Do rules help most with little data?
#
# Back to the learning curve's models, trained at its fixed budget (not the five-epoch model
# above): each was also scored with the refined rules in front of it, the ruler-first hybrid
# (`with rules`). The gain of the rules, per size, over the seeds:

# %% tags=["nbval-ignore-output"]
micro = runs.pivot_table(index=["posts", "seed"], columns="pipeline", values="micro")
micro["gain"] = micro["with rules"] - micro["model"]
rule_gain = micro.groupby("posts")[["model", "with rules", "gain"]].agg(["mean", "min", "max"]).round(3)
rule_gain

# %%
g, lo, hi = (rule_gain.xs(stat, axis=1, level=1) for stat in ("mean", "min", "max"))
fig = viz.plot_learning_curve(list(g.index), {c: g[c].tolist() for c in ("model", "with rules")},
                              bands={c: (lo[c].tolist(), hi[c].tolist()) for c in ("model", "with rules")},
                              title="Micro F1 on dev with and without rules", metric="strict micro F1",
                              xlabel="training posts")

# %% tags=["nbval-ignore-output"]
smallest, largest = rule_gain.index[0], rule_gain.index[-1]
print(f"gain from rules with {smallest} posts: {rule_gain.loc[smallest, ('gain', 'min')]:.3f} to "
      f"{rule_gain.loc[smallest, ('gain', 'max')]:.3f}; with {largest} posts: {rule_gain.loc[largest, ('gain', 'min')]:.3f} "
      f"to {rule_gain.loc[largest, ('gain', 'max')]:.3f}")
print("smallest set gains more than the largest with every seed:",
      rule_gain.loc[smallest, ("gain", "min")] > rule_gain.loc[largest, ("gain", "max")])

# %% [markdown]
# Rules help at every size, with every seed (the lowest gain of each size, the `min` column under
# `gain`, is above zero). But "rules help most with little data" does not hold here: the mean gain
# is about the same at all three sizes, if anything largest with all posts, and the two ranges
# printed above overlap (the check prints `False`). At this budget the models on all posts are
# the least trained ones (less than one pass) and find no `ZIP` or `URL` at all, so they leave the
# most for the rules. That gain overstates what rules add to a well-trained model: the five-epoch
# model of the comparison gains far less micro F1 from the ruler first (the `micro` value in the
# line "ruler first minus model") than any seed of the largest size gains here. A model trained
# for longer learns more of the shapes itself and leaves less for the rules.
#
# ## When not to train a model at all
#
# Put the measurements together:
#
# - For `ZIP` and `URL`, patterns written in an afternoon reach a dev F1 well above that of the
#   model trained on all posts for five epochs, with few false alarms, no annotation budget, and
#   errors you can read and fix in a minute; the best hybrids only match the rules alone on these
#   two labels.
#   If these are the only labels you need, **do not train a model**: write the patterns and use
#   your annotated posts to *evaluate* them.
# - For `USERNAME` the five-epoch model is perfect on dev and the rules are not, but the rules'
#   misses are shapes they did not foresee (`U/…`, hyphens), the kind of miss you fix in a pattern
#   once the training posts show it. Whether that beats annotating and training depends on which
#   other labels you need.
# - For `PRICE`, rules cover the usual forms, but the prices that only context reveals (`asking
#   210 shipped`, `ninety bucks`) need a model, and the five-epoch model here scores higher on
#   `PRICE` than the rules alone and than both hybrids that let the rules win (the `PRICE` row of
#   the comparison). If you need prices, train the model; a ruler last without `overwrite_ents`
#   changed nothing on `PRICE` here. Count such posts in your own data, and measure.
# - For `PRODUCT`, `LOCATION` and `CONDITION` there is no short list of shapes. At the learning
#   curve's fixed budget only `LOCATION` gains from 100 posts to all of them (`CONDITION` stays
#   about level, `PRODUCT` drops), but the five-epoch model scores far higher on all three than
#   the curve's largest models (its `model` column against the curve's table), so less than one
#   pass, not the data, held back the right-hand end of the curve. Spend the annotation budget
#   here, and try a pretrained starting point (notebook 07) before annotating thousands of posts.
#
# A model is worth training when the entities depend on context and vary in form. When the form
# alone decides, rules can beat even a well-trained model (`ZIP` and `URL` here) and win on cost
# and transparency; where you train a model anyway, check label by label whether the rules still
# add anything.

# %% [markdown]
# ## Summary
#
# - Count labels before training, and read per-label scores next to their support: micro F1 hides
#   rare labels, and a label with a few dozen dev mentions moves by several points per span.
# - Compare training runs like with like: the same number of updates for every training set, and
#   several seeds. Ten epochs over 25 posts is far less training than ten epochs over all, and an
#   augmented set gets more updates than the original; without the control, you measure that.
# - A learning curve per label, with the seed spread as a band, shows which labels need few posts
#   (`PRICE`) and, through the bands, where the seeds disagree too much to read a difference. Where
#   the budget is less than one pass over the largest set, as here, its right-hand end is a lower
#   bound: micro F1 and several labels scored lower with all posts than with 100, while the
#   five-epoch model on all posts scored far higher.
# - Augmentation is cheap and must be measured against that control: lower-cased copies robustly
#   help on lower-case posts at a cost on normal ones; entity swapping cost on normal dev with
#   every seed; oversampling the posts with a URL raised URL F1 with every seed, at a cost on
#   normal dev. Never augment the dev or test data.
# - For `ZIP` and `URL`, refined EntityRuler patterns beat the model trained on every post for five
#   epochs; for `PRICE` and `USERNAME` that model did better. Rules written from the training
#   errors, checked on dev, are evaluated like any model.
# - Put the ruler `before="ner"` to let the rules win and the model predict around them, or last
#   with `overwrite_ents=True`; last without it, the model wins. Which is best depends on the
#   label: letting the rules win lifted `ZIP` and `URL` here and cost a little on `PRICE` and
#   `USERNAME`. At the learning curve's fixed budget, rules helped at every size and with every
#   seed, by about the same on average; the five-epoch model gained far less.
# - When the form alone decides, skip the model.
#
# ## Quiz

# %%
quiz.show("06_small_and_imbalanced_data")

# %% [markdown]
# **Next:** [07 · Fine-tuning: new labels without forgetting, and a transformer →](07_fine_tuning.ipynb)

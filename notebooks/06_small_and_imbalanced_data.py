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
# Our training set has 480 posts, and some labels are rare: for every URL there are nine products.
# In this notebook you will measure what that means instead of guessing. You will count the labels,
# draw a learning curve per label (how F1 grows with the number of training posts), try two kinds
# of data augmentation and measure their effect, write EntityRuler patterns for the labels that
# have a fixed shape, combine them with the model, and compare rules, model and hybrid label by
# label. At the end you will be able to decide, with numbers, when a model is worth training at all.

# %%
import random

import pandas as pd
import spacy

from course import annotations, augment, check, evaluate, formats, quiz, rules, settings, viz
from course.check import ____
from course.train import train_blank

settings.seed_everything()
train = formats.read_jsonl(settings.data_path("hardware_posts", "train.jsonl"))
dev = formats.read_jsonl(settings.data_path("hardware_posts", "dev.jsonl"))
LABELS = list(settings.LABELS)
N_ITER = settings.pick(full=10, fast=4)  # epochs of every training run in this notebook
SIZES = settings.pick(full=(25, 50, 100, 200, len(train)), fast=(25, 50, 100))
AUG_SIZE = 100  # training posts in the augmentation experiment (both modes)
print(f"{settings.mode_name()} mode: {len(train)} training posts, {len(dev)} dev posts")

# %% [markdown]
# ## How imbalanced is the data?
#
# `augment.label_counts` counts entity **mentions** per label. We look at train and dev side by
# side, and at each label's share of all training mentions.

# %%
counts = pd.DataFrame({"train": augment.label_counts(train), "dev": augment.label_counts(dev)})
counts["train share"] = (counts["train"] / counts["train"].sum()).round(3)
counts

# %%
colors = [viz.label_color(label) for label in counts.index]
ax = counts["train"].plot.barh(color=colors, edgecolor="#555555", figsize=(6, 3),
                               title="Entity mentions per label in train")
ax.invert_yaxis()
_ = ax.set_xlabel("mentions")

# %% [markdown]
# `PRODUCT` has about nine times as many examples as `URL`, `ZIP` or `USERNAME`. Two things follow.
#
# 1. **The micro average hides the rare labels.** Micro F1 pools all mentions, so it mostly
#    reflects `PRODUCT`, `PRICE` and `LOCATION`. Always read the per-label table next to it.
# 2. **Rare labels are measured roughly.** Dev has fewer than twenty mentions of each rare label, so
#    a single span moves its score by several points:

# %%
for label in ("ZIP", "URL", "USERNAME"):
    n = counts.loc[label, "dev"]
    print(f"{label:<9} {n:>3} dev mentions → one span = {1 / n:.1%} of its recall")

# %% [markdown]
# ## A learning curve per label
#
# How much data does each label need? A **learning curve** answers that: train the same model on
# growing subsets of the training set and score each one on the same dev set. The subsets are
# *nested* (each contains the smaller ones), so the curve shows the effect of adding posts, not of
# drawing a different sample. `augment.learning_curve` trains one blank CNN model per size
# (`train.train_blank`, the same number of epochs for every size) and returns strict F1 per label.
# This is the slowest cell of the notebook.

# %% tags=["nbval-ignore-output"]
curve = augment.learning_curve(train, dev, SIZES, n_iter=N_ITER)
scores = curve.scores
assert scores["micro"].iloc[-1] > scores["micro"].iloc[0] + 0.2  # more posts, clearly better
scores.round(3)

# %%
lines = {label: scores[label].tolist() for label in [*LABELS, "micro"]}
fig = viz.plot_learning_curve(list(scores.index), lines, title="Strict F1 on dev vs training posts",
                              metric="strict F1")

# %% [markdown]
# Read the curve label by label, not only the thick micro line:
#
# - **Labels with a fixed shape** climb steeply: `USERNAME` (always `u/…`) is perfect from 50
#   posts on, and `PRICE` (currency signs) is close to 0.9 with 50 posts.
# - **`PRODUCT` and `LOCATION`** keep improving up to the full training set. Their curves have not
#   flattened, so more annotated posts would still help them.
# - **`ZIP` and `URL`** are rare *and* look like other things (numbers, words with dots), so the
#   model learns them slowly; even with every training post they stay below the micro average.
#
# The last point is the interesting one for a small project: for `ZIP` and `URL` the cheapest
# improvement is probably not more annotation. We come back to that after trying augmentation.

# %% tags=["nbval-ignore-output"]
last, first = scores.iloc[-1], scores.iloc[0]
print(f"micro F1: {first['micro']:.3f} with {first.name} posts, {last['micro']:.3f} with {last.name}")
print("labels still below micro F1 with all posts:", [l for l in LABELS if last[l] < last["micro"]])
assert last["USERNAME"] > last["ZIP"] and last["ZIP"] < last["micro"]

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
viz.show_ents(annotations.to_doc(spacy.blank("en"), swapped.record))

# %% [markdown]
# Notice the flaw: the title tag `[USA-TX]` became `[Tokyo]`, which no one would write. Swapping
# treats every string of a label as interchangeable, so some new posts are odd. That is the price
# of a simple method, and another reason to *measure* whether it helps.
#
# ### Lower-casing
#
# About one training post in twenty is written entirely in lower case (`selling a 3060, used, 220
# obo lol, nyc`). A model that learned "products start with capitals" fails on those. spaCy ships a
# lower-casing augmenter (`spacy.training.augment.create_lower_casing_augmenter`, also usable in a
# training config); `augment.apply_augmenter` runs any spaCy augmenter over our records, and
# `augment.lowercase_augment` uses it to make lower-cased copies of a random share of the posts.
# Lower-casing keeps every offset, so the entities stay where they were.

# %%
lowered = augment.lowercase_augment([post], fraction=1.0)
print(lowered[0]["text"])
print([lowered[0]["text"][s:e] for s, e, _ in lowered[0]["entities"]])

# %% [markdown]
# ### Measuring the effect
#
# Augmentation matters most when data is scarce, so the experiment uses a small training set (the
# first posts of the learning-curve shuffle). We train four models with the same settings: on the
# original posts only, with swapped copies added, with lower-cased copies added (for half of the
# posts), and with both. Each model is scored on the normal dev set and on a **lower-cased copy of
# dev**, which stands in for users who never press Shift. The dev posts themselves are never
# augmented: augmented evaluation data would measure the augmentation, not the model.

# %%
small = augment.nested_subsets(train, [AUG_SIZE])[AUG_SIZE]
swap_copies = augment.swap_augment(small, gazetteer, labels=SWAP_LABELS, seed=0)
lower_copies = augment.lowercase_augment(small, fraction=0.5, seed=0)
dev_lower = augment.lowercase(dev)
variants = {"original": small, "+ swapped": small + swap_copies,
            "+ lower-cased": small + lower_copies, "+ both": small + swap_copies + lower_copies}
{name: len(records) for name, records in variants.items()}

# %% tags=["nbval-ignore-output"]
rows = {}
for name, records in variants.items():
    model = train_blank(records, n_iter=N_ITER, progress=False).nlp
    rows[name] = {"dev F1": evaluate.evaluate(model, dev).micro["f"],
                  "lower-cased dev F1": evaluate.evaluate(model, dev_lower).micro["f"]}
effect = pd.DataFrame.from_dict(rows, orient="index").round(3)
effect

# %% tags=["nbval-ignore-output"]
gain = effect - effect.loc["original"]
print(gain.round(3).to_string())
assert gain.loc["+ lower-cased", "lower-cased dev F1"] > 0.05  # closes the lower-case gap
assert gain.loc["+ swapped", "dev F1"] > 0                    # swapping helps on normal dev
assert gain.loc["+ both", "dev F1"] > 0                       # and so do both together

# %% [markdown]
# What the numbers say (in learner mode, with 100 posts):
#
# - **Lower-cased copies** fix a blind spot. The model trained on the original posts loses more
#   than ten points of F1 when the same dev posts are lower-cased; with lower-cased copies in
#   training more than half of that gap closes, and the normal dev score stays where it was.
# - **Entity swapping** raises the normal dev score by several points: the model sees each context
#   with more different names, which helps with products and places it has never seen (dev and
#   test are full of them). It does nothing for lower-cased posts.
# - **Both together** give the best score in both columns.
#
# This is one seed on one small training set, so treat differences of a point or two as noise and
# believe only the large effects. Whether the gain from swapping survives with all 480 posts is
# something to measure, not assume: set `AUG_SIZE = len(train)` and run the three cells again
# (about two minutes). Augmentation is cheap, but it never replaces real posts: the swapped posts
# contain oddities like `[Tokyo]`, and they cannot teach anything that is not in the originals.

# %% [markdown]
# ## Rules for the labels with a fixed shape
#
# `ZIP`, `URL`, `USERNAME` and most `PRICE` mentions follow a shape, so spaCy's `EntityRuler` can
# find them with token patterns, no training needed. Notebook 01 wrote a first draft,
# `rules.PATTERNS`. Here is how it does on the **training** posts (we fix rules on train and keep
# dev for the final verdict, exactly as with a model):

# %%
RULE_LABELS = list(rules.PATTERN_LABELS)
draft = rules.ruler_pipeline(RULE_LABELS)
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
# Each row suggests a pattern:
#
# - Canadian and Australian dollars are written `C$450` and `A$730`; the tokenizer keeps `C$` as
#   one token, so the currency list needs `C$` and `A$`.
# - `12600` in `i5-12600K` looks like a ZIP code. A token pattern sees one token at a time, so
#   `course.rules` adds a custom token attribute, `Token._.course_standalone`, which is False for a
#   token glued to letters or a hyphen. The ZIP pattern requires it to be True.
# - UK (`M1 1AE`) and Canadian (`M4C 1B5`) postcodes are two tokens with their own shapes.
# - `$300 CAD` and `160€` put a currency code or sign after the number.
# - `imgur.com/a/Ps5sL1m` is split before the last `m` (the tokenizer reads `1m` as a number with a
#   unit), so a URL token followed directly by letters takes them along.
#
# These fixes are in `rules.REFINED_PATTERNS`. The price patterns, for example:

# %%
for pattern in rules.REFINED_PATTERNS["PRICE"]:
    print(pattern)

# %% [markdown]
# Now the verdict on dev, which played no part in writing either set of patterns:

# %%
refined = rules.ruler_pipeline(RULE_LABELS, refined=True)
rule_scores = evaluate.compare({"first draft": draft, "refined": refined}, dev, RULE_LABELS)
rule_scores

# %% [markdown]
# The refined rules find almost every pattern-like entity in dev, with no training data at all,
# and they never predict a wrong one (precision is 1.0). What they still miss needs context:
# `150 local` is a price because of where it stands, and an Australian postcode (`Melbourne 3000`)
# is just a four-digit number without its city. That is the model's job.

# %%
rule_errors = evaluate.evaluate(refined, dev, RULE_LABELS).errors
print(rule_errors[["snippet", "gold_text", "error"]].to_string())


# %% [markdown]
# ## Rules and model together
#
# A **hybrid** pipeline runs the ruler and the trained `ner` in one pipeline. Where the ruler goes
# matters:
#
# - **ruler first** (`before="ner"`): the `ner` sees the ruler's entities already on the `Doc`,
#   keeps them, and predicts only around them. The rules win where both fire.
# - **ruler last**: the ruler only adds entities where the model found nothing
#   (`overwrite_ents=False`). The model wins.
#
# We reuse the model trained on the most posts in the learning curve and build both variants. The
# `ner` component is shared with the plain model, not copied or retrained.

# %%
def hybrid(model: spacy.language.Language, ruler_first: bool = True) -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("ner", source=model)
    return rules.add_ruler(nlp, RULE_LABELS, before="ner" if ruler_first else None, refined=True)


model = curve.models[max(SIZES)]
pipelines = {"rules": refined, "model": model, "hybrid (ruler first)": hybrid(model),
             "hybrid (ruler last)": hybrid(model, ruler_first=False)}

# %% tags=["nbval-ignore-output"]
comparison = evaluate.compare(pipelines, dev, LABELS)
assert comparison.loc["micro", "hybrid (ruler first)"] > comparison.loc["micro", "model"]
for label in ("ZIP", "URL"):
    assert comparison.loc[label, "hybrid (ruler first)"] >= comparison.loc[label, "model"]
comparison

# %%
fig = viz.plot_compare(comparison, title="Strict F1 on dev: rules, model and hybrid")

# %% [markdown]
# Label by label:
#
# - On `ZIP` and `URL` the rules beat the model trained on every post, and the hybrid with the
#   ruler first inherits that. On `USERNAME` and `PRICE` both are strong; the hybrid adds the
#   context prices that the rules miss.
# - On `PRODUCT`, `LOCATION` and `CONDITION` the rules contribute nothing (zero F1 in the rules
#   column), and the hybrid keeps the model's scores, give or take a span or two: the `ner`
#   predicts around the preset entities.
# - Putting the ruler last helps less, because the model keeps its own (sometimes wrong) `ZIP` and
#   `URL` spans where the rules would have been right.
#
# Rules help most where the model is weakest, and the model is weakest with little data. The
# next cell adds the same ruler to every model of the learning curve; the gain is largest for the
# smallest training set and shrinks as the model learns the shapes itself:

# %% tags=["nbval-ignore-output"]
hybrid_micro = [evaluate.evaluate(hybrid(curve.models[n]), dev).micro["f"] for n in SIZES]
with_rules = pd.DataFrame({"model": scores["micro"], "hybrid": hybrid_micro}).round(3)
rule_gain = with_rules["hybrid"] - with_rules["model"]
assert (rule_gain > 0).all() and rule_gain.iloc[0] > rule_gain.iloc[-1]
with_rules

# %%
ax = with_rules.plot(marker="o", ylim=(0, 1.05), figsize=(6, 3.5),
                     title="Micro F1 on dev with and without rules")
_ = ax.set(xlabel="training posts", ylabel="strict micro F1")

# %% [markdown]
# ## When not to train a model at all
#
# Put the measurements together:
#
# - For `ZIP` and `URL`, patterns written in an afternoon reach a dev F1 that the model trained on
#   all 480 posts does not, and for `USERNAME` they tie with it; all with precision 1.0, no
#   annotation budget, and errors you can read and fix in a minute. If these are the only labels
#   you need, **do not train a model**: write the patterns and use your annotated posts to
#   *evaluate* them.
# - For `PRICE`, rules cover the usual forms and a model adds the prices that only context reveals
#   (`asking 180 shipped`). A hybrid is the right tool when those matter.
# - For `PRODUCT`, `LOCATION` and `CONDITION` there is no short list of shapes; the learning curve
#   says that more annotated posts still pay off. Spend the annotation budget here, and try
#   augmentation and a pretrained starting point (notebook 07) before annotating thousands of posts.
#
# A model is worth training when the entities depend on context and vary in form. When the form
# alone decides, rules win on accuracy, cost and transparency.

# %% [markdown]
# ## Exercise: prices with the currency after the number
#
# Polish and euro prices are often written with the currency *after* the amount: `1100 PLN`,
# `160€`, and British sellers write `55 quid`. Complete the pattern: a number (`LIKE_NUM`),
# followed by a token whose lower-case form is one of a list. Fill in the list so that the three
# prices are found and `850 watts` or `2 sticks` are not. (Hint: the tokenizer splits `160€`
# into `160` and `€`.)

# %%
currencies_after = ____  # a list of lower-case currency words and signs
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]

# %%
price_examples = [("[EU-PL] [H] RX 6700 XT [W] 1100 PLN, Krakow", [("1100 PLN", "PRICE")]),
                  ("Phanteks NV7 for 160€ in Cologne", [("160€", "PRICE")]),
                  ("Sennheiser HD 6XX, 55 quid posted", [("55 quid", "PRICE")]),
                  ("Corsair RM850x, 850 watts, fully modular", []),
                  ("selling 2 sticks of 8GB DDR4", [])]
check.ruler_pattern(price_after, "PRICE", price_examples)

# %% jupyter={"source_hidden": true} tags=["solution"]
# Solution: list the currency words in lower case, and the signs as they are (they have no case).
currencies_after = ["pln", "€", "£", "quid", "pounds", "eur", "euro", "euros", "usd", "cad", "aud",
                    "bucks", "dollars"]
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]
check.ruler_pattern(price_after, "PRICE", price_examples).require()

# %% [markdown]
# ## Summary
#
# - Count labels before training, and read per-label scores next to their support: micro F1 hides
#   rare labels, and a label with 16 dev mentions moves six points per span.
# - A learning curve per label shows which labels need more data (`PRODUCT`, `LOCATION` still
#   climbing at 480 posts) and which do not (`USERNAME` perfect from 50 posts).
# - Augmentation is cheap and must be measured: lower-cased copies closed the gap on lower-case
#   posts, and entity swapping (with offsets recomputed) helped with 100 posts. Never augment the
#   dev or test data.
# - For pattern-like labels, refined EntityRuler patterns beat the model trained on every post.
#   Rules written from the training errors, checked on dev, are evaluated like any model.
# - A hybrid with the ruler before the `ner` keeps the rules' entities and lets the model fill in
#   the rest; its advantage is largest with little data.
# - When the form alone decides, skip the model.
#
# ## Quiz

# %%
quiz.show("06_small_and_imbalanced_data")

# %% [markdown]
# **Next:** [07 · Fine-tuning: new labels without forgetting, and a transformer →](07_fine_tuning.ipynb)

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
# # 05 · Evaluation: precision, recall, F1 and honest numbers
#
# "The model gets 0.91" means nothing until you know 0.91 of *what*, on *which* data. In this
# notebook you will count hits, misses and false alarms by hand and check that spaCy's scorer
# agrees, read precision, recall and F1 per label, find out which labels the model confuses with a
# confusion heatmap, sort every error into a type and look at the worst ones with displaCy. You
# will also run the sanity check that catches a broken training setup in seconds, and measure
# what happens to the score when test posts leak into the training data.

# %%
import warnings

import pandas as pd
import spacy
from spacy.scorer import get_ner_prf
from spacy.training import Example

from course import annotations, check, evaluate, formats, quiz, settings, train, viz
from course.annotations import make_record
from course.check import ____

settings.seed_everything()
EPOCHS = settings.pick(full=10, fast=3)
LABELS = list(settings.LABELS)
train_records, dev_records, test_records = (
    formats.read_jsonl(settings.data_path("hardware_posts", f"{split}.jsonl")) for split in ("train", "dev", "test"))
print(len(train_records), "train,", len(dev_records), "dev,", len(test_records), "test posts")

# %% [markdown]
# This notebook trains its own model, the blank CNN from notebook 03, so that it runs on its own.

# %% tags=["nbval-ignore-output"]
model = train.train_blank(train_records, n_iter=EPOCHS, seed=0).nlp

# %% [markdown]
# ## Counting hits: a worked example
#
# Entity scores count **spans**. A predicted span is right only if its start, its end *and* its
# label all match a gold span; spaCy calls this exact-match scoring. Every predicted span is then
# either a **true positive** (TP, right) or a **false positive** (FP, wrong), and every gold span
# the model did not get exactly right is a **false negative** (FN). From the three counts:
#
# - **precision** = TP / (TP + FP): of the spans the model predicted, the share that are right;
# - **recall** = TP / (TP + FN): of the spans in the gold data, the share the model found;
# - **F1** = 2 · P · R / (P + R): the harmonic mean, which stays low if either one is low.
#
# Here are four posts with their gold entities and what a model might predict. The predictions
# contain the typical mistakes: a product missing its brand, a ZIP code called a PRICE, a ZIP
# code and a link missed, and "Bump" taken for a product.

# %%
posts = ["[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped",
         "Selling a Ryzen 5 5600X for $110, pickup in Seattle 98101",
         "WTB Steam Deck 512GB, up to $300, local to 10001",
         "Bump, price drop to 90 bucks. Heatware: heatware.com/u/12044"]
gold = [make_record(posts[0], ("USA-TX", "LOCATION"), ("EVGA RTX 3080 FTW3 Ultra", "PRODUCT"), ("like new", "CONDITION"), ("$450", "PRICE")),
        make_record(posts[1], ("Ryzen 5 5600X", "PRODUCT"), ("$110", "PRICE"), ("Seattle", "LOCATION"), ("98101", "ZIP")),
        make_record(posts[2], ("Steam Deck 512GB", "PRODUCT"), ("$300", "PRICE"), ("10001", "ZIP")),
        make_record(posts[3], ("90 bucks", "PRICE"), ("heatware.com/u/12044", "URL"))]
pred = [make_record(posts[0], ("USA-TX", "LOCATION"), ("RTX 3080 FTW3 Ultra", "PRODUCT"), ("like new", "CONDITION"), ("$450", "PRICE")),
        make_record(posts[1], ("Ryzen 5 5600X", "PRODUCT"), ("$110", "PRICE"), ("Seattle", "LOCATION"), ("98101", "PRICE")),
        make_record(posts[2], ("Steam Deck 512GB", "PRODUCT"), ("$300", "PRICE")),
        make_record(posts[3], ("Bump", "PRODUCT"), ("90 bucks", "PRICE"))]

# %% [markdown]
# displaCy shows gold on the left and the prediction on the right:

# %%
nlp = spacy.blank("en")  # a tokenizer is all we need to turn records into docs
gold_docs, pred_docs = annotations.to_docs(nlp, gold), annotations.to_docs(nlp, pred)
viz.show_compare(gold_docs, pred_docs)


# %% [markdown]
# Counting by hand is set arithmetic. Write every span as `(post, start, end, label)`; the true
# positives are the spans in both sets, the false positives are predicted spans that are not
# gold, and the false negatives are gold spans that were not predicted.

# %%
def span_set(records: list[dict]) -> set[tuple]:
    return {(i, start, end, label) for i, r in enumerate(records) for start, end, label in r["entities"]}

def counts(gold_set: set, pred_set: set) -> dict[str, int]:
    return {"tp": len(gold_set & pred_set), "fp": len(pred_set - gold_set), "fn": len(gold_set - pred_set)}

by_label = {label: counts({s for s in span_set(gold) if s[3] == label}, {s for s in span_set(pred) if s[3] == label})
            for label in LABELS}
by_label["micro"] = counts(span_set(gold), span_set(pred))
table = pd.DataFrame(by_label).T
table


# %% [markdown]
# The micro row adds up all labels: 9 of the 12 predicted spans are right, and 9 of the 13 gold
# spans were found. Note the product with the wrong boundary: it costs a false positive (the
# span `RTX 3080 FTW3 Ultra` that was predicted) *and* a false negative (the gold span `EVGA RTX
# 3080 FTW3 Ultra` that was missed). The ZIP code called a PRICE is the same: an FP for PRICE and
# an FN for ZIP. Now the three scores, with 0 where there is nothing to divide by:

# %%
def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}

by_hand = pd.DataFrame({label: prf(**c) for label, c in by_label.items()}).T.round(3)
by_hand

# %% [markdown]
# Micro precision is 9 / 12 = 0.75, recall 9 / 13 ≈ 0.692, and F1 = 2 · 0.75 · 0.692 /
# (0.75 + 0.692) = 0.72. F1 always lies between the two, nearer the lower one: for PRICE,
# precision 0.8 and recall 1.0 average to 0.9, but F1 is 0.889. The model predicted no ZIP at all,
# so ZIP precision is 0 / 0; spaCy and the course report that as 0, and with recall 0 its F1 is 0.
#
# spaCy's scorer (`get_ner_prf`, which `course.evaluate` uses too) works on `Example`s of a
# predicted and a gold doc. It gets the same numbers:

# %%
scores = get_ner_prf([Example(p, g) for p, g in zip(pred_docs, gold_docs)])
spacy_table = pd.DataFrame({label: {"precision": s["p"], "recall": s["r"], "f1": s["f"]}
                            for label, s in scores["ents_per_type"].items()}).T
spacy_table.loc["micro"] = [scores["ents_p"], scores["ents_r"], scores["ents_f"]]
print("spaCy agrees with our counting:", (spacy_table.round(3) == by_hand.loc[spacy_table.index]).all().all())

# %% [markdown]
# (spaCy lists only the labels that occur in the gold or the predicted spans, so USERNAME is not
# in its table.)
#
# ## The same counting on the real model
#
# `course.evaluate.evaluate(nlp, records, labels)` runs the pipeline over the posts' texts and
# does all of the above, and more. We evaluate on the **dev** set: everything we look at in this
# notebook helps us decide what to change next, and decisions are made on dev, never on test
# (more on this at the end). First the counts for each label, by hand, from the model's
# predictions:

# %% tags=["nbval-ignore-output"]
result = evaluate.evaluate(model, dev_records, LABELS)
model_pred = [annotations.from_doc(doc) for doc in result.pred_docs]
dev_counts = pd.DataFrame({label: counts({s for s in span_set(dev_records) if s[3] == label},
                                         {s for s in span_set(model_pred) if s[3] == label}) for label in LABELS}).T
for label in LABELS:  # our counting and course.evaluate agree on every label
    ours, theirs = prf(**dev_counts.loc[label]), result.per_label[label]
    assert all(abs(ours[k] - theirs[k[0]]) < 1e-9 for k in ("precision", "recall", "f1")), label
dev_counts

# %% [markdown]
# ## Exercise: recall for PRICE
#
# Use the counts in the table above (they are in `dev_counts`, e.g. `dev_counts.loc["PRICE", "tp"]`)
# to compute the model's **recall** for PRICE on dev. Replace the `____`.

# %%
tp, fp, fn = dev_counts.loc["PRICE", ["tp", "fp", "fn"]]
recall_price = ____

# %%
wrong = {tp / (tp + fp): "That is precision: TP over everything the model predicted. Recall divides by the gold spans.",
         tp / (tp + fp + fn): "Each count belongs in only one of precision and recall: recall leaves FP out.",
         (tp + fp) / (tp + fn): "That compares the number of predictions with the number of gold spans; only correct ones count."}
check.number(recall_price, expected=result.per_label["PRICE"]["r"], name="recall", wrong=wrong)

# %% jupyter={"source_hidden": true} tags=["solution", "nbval-ignore-output"]
# Solution: recall looks at the gold side: how many of the gold PRICE spans were found.
recall_price = tp / (tp + fn)
check.number(recall_price, expected=result.per_label["PRICE"]["r"], name="recall", wrong=wrong).require()

# %% [markdown]
# ## Precision, recall and F1 per label
#
# `result.table()` has one row per label and a micro row for all labels together. **Support** is
# the number of gold spans of the label in dev.

# %% tags=["nbval-ignore-output"]
assert result.micro["f"] > 0.6, result.micro
result.table()

# %%
fig = viz.plot_per_label(result, title="F1 per label on dev (blank CNN)")

# %% [markdown]
# How to read it:
#
# - **Micro** averages over spans, so frequent labels weigh most: PRODUCT, PRICE and LOCATION make
#   up most of the 444 dev spans. A bad score on a rare label barely moves the micro F1, which is
#   why you always look at the per-label rows too.
# - **Low precision** means false alarms: the model tags things that are not entities, or gives
#   them the wrong label. **Low recall** means misses. They call for different fixes: clearer
#   examples of what is *not* an entity, or more examples of what is.
# - **Support** tells you how much to trust a row. Dev has 19 ZIP codes, so one more or one fewer
#   found moves ZIP recall by five points:

# %%
support = result.table()["support"]
print({label: f"{1 / support[label]:.3f}" for label in ("PRODUCT", "ZIP", "URL")})

# %% [markdown]
# Exact matching is strict: a product found without its brand counts as two errors. The
# **partial** score counts a prediction as a hit when it overlaps a gold span with the same label.
# The gap between the two tells you how much of the error is about boundaries:

# %% tags=["nbval-ignore-output"]
assert result.partial["f"] >= result.micro["f"]
print(f"strict F1 {result.micro['f']:.3f}, partial F1 {result.partial['f']:.3f}")

# %% [markdown]
# ## Which labels get confused? The confusion heatmap
#
# The confusion table pairs every gold span with the predicted span that overlaps it most.
# Rows are the gold labels, columns the predicted labels. The diagonal counts spans that got the
# right label (with exact or inexact boundaries); off the diagonal are wrong labels. The extra
# column `(missed)` counts gold spans with no prediction at all, and the extra row `(none)`
# predictions with no gold span (spurious entities). So each row adds up to the label's support.

# %% tags=["nbval-ignore-output"]
assert (result.confusion.drop(index=evaluate.NONE).sum(axis=1) == support.drop("micro")).all()
fig = viz.plot_confusion(result.confusion, title="Dev: gold (rows) vs predicted (columns)")

# %% [markdown]
# Look for the biggest numbers off the diagonal. In our run the largest are in the `(missed)`
# column: the model misses entities more often than it gives them the wrong label. Wrong labels
# are rarer, and when they happen the boundaries are usually wrong too, for example a city and
# the ZIP code after it swallowed into one span with another label. Your numbers may differ a
# little; the table below lists every one of these errors.
#
# ## Every error, by type
#
# `result.errors` lists every error with a snippet of its context, sorted into five types:
# **missed** (a gold span nothing overlaps), **spurious** (a prediction no gold span overlaps),
# **wrong label** (right span, wrong label), **wrong boundary** (right label, span too short or
# too long) and **wrong label and boundary**.

# %% tags=["nbval-ignore-output"]
kinds = result.errors["error"].value_counts()
assert kinds.get("missed", 0) == result.confusion[evaluate.MISSED].sum()
assert kinds.get("spurious", 0) == result.confusion.loc[evaluate.NONE].sum()
kinds

# %% [markdown]
# The boundary errors are worth reading first: they are often annotation questions in disguise
# (does the span include the brand? the colour? "condition"?). Here are a few, and then the same
# posts side by side in displaCy.

# %% tags=["nbval-ignore-output"]
boundary = result.errors[result.errors["error"].str.contains("boundary")]
boundary[["snippet", "gold_text", "gold_label", "pred_text", "pred_label"]].head(5)

# %% tags=["nbval-ignore-output"]
worst = result.errors["doc"].value_counts().index[:3]  # the dev posts with the most errors
viz.show_compare([result.gold_docs[i] for i in worst], [result.pred_docs[i] for i in worst])

# %% [markdown]
# Error analysis ends in decisions: which guideline to sharpen, which kind of post to annotate
# more of, which label might be better handled by a rule. Notebook 06 acts on them.
#
# ## A sanity check before any long run: overfit one post
#
# A correctly wired training setup can always learn a *single* post by heart. So before spending
# minutes or hours on a full run, train a fresh model on one post for many updates and check that
# it reproduces that post exactly. If it cannot, do not look at the model; look for a bug in the
# pipeline: labels not added, spans silently dropped, the wrong data passed in.

# %%
sanity_post = make_record("[USA-WA] [H] Samsung 980 Pro 2TB, BNIB [W] $120 shipped to 98101. Pics: imgur.com/a/Xk29sLq, "
                       "refs u/blue_falcon", ("USA-WA", "LOCATION"), ("Samsung 980 Pro 2TB", "PRODUCT"),
                       ("BNIB", "CONDITION"), ("$120", "PRICE"), ("98101", "ZIP"), ("imgur.com/a/Xk29sLq", "URL"),
                       ("u/blue_falcon", "USERNAME"))
sanity = train.train_blank([sanity_post], n_iter=100, seed=0, progress=False).nlp
sanity_f1 = evaluate.evaluate(sanity, [sanity_post], LABELS).micro["f"]
print(f"F1 on the one post it trained on: {sanity_f1:.2f}")
assert sanity_f1 == 1.0

# %% [markdown]
# Now a broken setup. Suppose an export script counted characters from 1 instead of 0, so every
# span is shifted by one. `train_blank` would refuse these records (E101), so we write the plain
# spaCy loop. spaCy cannot place the shifted spans on tokens, marks those tokens as "missing",
# warns once with W030, and trains on what is left, which here is nothing useful:

# %%
shifted = [(start + 1, end + 1, label) for start, end, label in sanity_post["entities"]]
broken = train.blank_ner()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    example = Example.from_dict(broken.make_doc(sanity_post["text"]), {"entities": shifted})
    optimizer = broken.initialize(lambda: [example])
    for _ in range(100):
        broken.update([example], drop=0.2, sgd=optimizer)
print(f"{len(caught)} warning: {str(caught[0].message)[:45]}…")
broken_f1 = evaluate.evaluate(broken, [sanity_post], LABELS).micro["f"]
print("reproduces the post it trained on:", broken_f1 == 1.0)
assert broken_f1 < 1.0

# %% [markdown]
# One warning in a long log is easy to miss; a model that cannot learn one post is not. The check
# costs seconds.
#
# ## Dev for decisions, test once
#
# Every time you look at a score and change something because of it (more epochs, another
# config, a sharper guideline, the best of several runs), you fit your choices to that data a
# little. Do it on dev, as often as you like; the dev score then becomes optimistic. The test set
# is for the end: one evaluation of the final model, never a decision. If you tune on test, you
# have no honest number left.
#
# ## Leakage, measured
#
# **Leakage** means test data got into training, for example because the same posts (or
# near-identical reposts) ended up in both splits. The model is then tested on posts it has
# effectively seen, and the score says nothing about new ones. Our build script refuses posts that
# occur in two splits, so to measure the effect we leak on purpose: we train a second model on the
# training posts **plus the first 60 test posts**, and score both models on the leaked half and on
# the other half of the test set.

# %% tags=["nbval-ignore-output"]
leaked, held_out = test_records[:60], test_records[60:]
leaky = train.train_blank(train_records + leaked, n_iter=EPOCHS, seed=0).nlp


# %% tags=["nbval-ignore-output"]
def f1(nlp, records: list[dict]) -> float:
    return evaluate.evaluate(nlp, records, LABELS).micro["f"]

leak_table = pd.DataFrame({name: {"leaked half": f1(nlp, leaked), "other half": f1(nlp, held_out),
                                  "whole test set": f1(nlp, test_records)}
                           for name, nlp in (("honest model", model), ("leaky model", leaky))}).T.round(3)
assert leak_table.loc["leaky model", "leaked half"] > leak_table.loc["honest model", "leaked half"]
assert leak_table.loc["leaky model", "leaked half"] > leak_table.loc["leaky model", "other half"]
leak_table

# %% [markdown]
# On the posts it trained on, the leaky model looks much better than the honest one. On the posts
# it did not see, it is no better. Reported over the whole test set, leakage inflates the score:
# the model is not better at the task, the test just became easier. The honest model's
# whole-test F1 is the number to report for it (the target for the blank model in learner mode:
# at least 0.75).
#
# Real leakage is rarely this obvious. On a marketplace the same seller reposts the same listing
# every week with a new price; split those posts at random and near-copies land on both sides.
# Deduplicate near-identical posts and split by seller or listing, not by post.

# %% [markdown]
# ## Summary
#
# - A predicted span is a true positive only with the exact start, end and label. A wrong
#   boundary or a wrong label costs a false positive *and* a false negative.
# - Precision = TP / (TP + FP) looks at the predictions, recall = TP / (TP + FN) at the gold
#   spans, F1 is their harmonic mean. spaCy's scorer and `course.evaluate` count the same way.
# - Read the per-label rows, not only micro, and mind the support: a rare label's score moves in
#   big steps. The partial score shows how much of the error is about boundaries.
# - The confusion heatmap shows which labels get confused, missed or invented; the error table
#   sorts every error into missed, spurious, wrong label, wrong boundary, or both.
# - Before a long run, check that a fresh model can learn one post by heart.
# - Decide on dev, report test once, and keep test posts (and near-copies of them) out of
#   training: leakage inflates the score only on the posts that leaked.
#
# ## Quiz

# %%
quiz.show("05_evaluation")

# %% [markdown]
# **Next:** [06 · Small and imbalanced data →](06_small_and_imbalanced_data.ipynb)

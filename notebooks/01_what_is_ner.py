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
# # 01 · What NER is, and why a general model is not enough
#
# Before training anything, it pays to know what the task is and what already exists. In this
# notebook you will describe named-entity recognition in your own words, run a ready-made English
# pipeline over our marketplace posts and measure where it goes wrong, clear up four common
# misconceptions, and see that for some labels a handful of rules beats any model. You will
# finish by writing a rule of your own.

# %%
import spacy

from course import annotations, check, evaluate, formats, quiz, resources, rules, settings, viz
from course.check import ____

settings.seed_everything()
dev = formats.read_jsonl(settings.data_path("hardware_posts", "dev.jsonl"))
train = formats.read_jsonl(settings.data_path("hardware_posts", "train.jsonl"))

# %% [markdown]
# ## What named-entity recognition does
#
# A named-entity recognizer reads text and marks **spans**, stretches of one or more words, that
# name something, and gives each span a **type**. Two things make it different from its
# neighbours:
#
# - Text classification gives one label to a whole text ("this post is selling"). NER labels
#   pieces *inside* the text, so one post can hold three products and two prices.
# - Keyword search looks for strings you already know. NER decides from the word *and its
#   context*: `450` is a price after `$`, a model number in `RTX 4050`, and part of a ZIP code in
#   `94503`. A recognizer learns those cues from examples.
#
# Here is what we want our model to produce, drawn from hand-annotated posts:

# %%
nlp_blank = spacy.blank("en")
viz.show_ents(annotations.to_docs(nlp_blank, dev[:3]))

# %% [markdown]
# ## A general-purpose model meets our posts
#
# spaCy's `en_core_web_sm` is a small English pipeline trained on OntoNotes: news, broadcast
# transcripts, blogs and forum text, annotated with 18 entity types such as `PERSON`, `ORG`,
# `GPE` (countries, cities, states), `MONEY` and `DATE`. It is installed with the course, so
# loading it needs no internet connection.

# %%
sm = resources.load_pretrained("en_core_web_sm")
print(sm.pipe_names)
print(sm.get_pipe("ner").labels)

# %%
viz.show_ents(list(sm.pipe(rec["text"] for rec in dev[:3])))

# %% [markdown]
# Some of this is close: prices often come out as `MONEY` and cities as `GPE`. Much is not:
# products are split up or called `ORG`, `CARDINAL` or `DATE`, bracket tags like `USA-TX` and
# conditions like *lightly used* are ignored, and ZIP codes look like dates or counts to it.
#
# ## Measuring the mismatch
#
# One post is an anecdote. Let us compare its output with our annotations on all 121
# development posts. For every gold entity, the table counts which label `en_core_web_sm` put on
# the overlapping text, or `(missed)` when it found nothing there.

# %%
result = evaluate.evaluate(sm, dev)
confusion = result.confusion.loc[list(settings.LABELS)]
confusion.loc[:, confusion.sum() > 0]

# %%
gold = confusion.sum(axis=1)
found = gold - confusion["(missed)"]
print(f"It puts some entity on {found.sum()} of {gold.sum()} gold spans "
      f"({found.sum() / gold.sum():.0%}); its labels and boundaries almost never match ours exactly, so strict F1 is "
      f"{result.micro['f']:.2f}.")

# %% [markdown]
# Two different problems hide in this table:
#
# 1. **The label set is not ours.** OntoNotes has no `CONDITION`, `ZIP`, `URL` or `USERNAME`, and
#    its `PRODUCT` means things like vehicles and software. Even a perfect OntoNotes model would
#    score zero on our labels.
# 2. **The text is not like its training data.** Model numbers, bracket tags, slang and missing
#    punctuation are rare in news. Where the model *does* fire, it often picks the wrong span:
#    part of a product name, or a price without its currency.
#
# ## Why customise
#
# You train your own recognizer when you need *your* labels, *your* span boundaries (our
# guideline says whether `shipped` belongs to a price), and good accuracy on *your* kind of text.
# The pretrained model is still useful: in notebook 07 we start from it and teach it our labels,
# and we will see what that costs.

# %% [markdown]
# ## Four misconceptions
#
# **"NER needs big data."** A few hundred consistent examples go a long way for a narrow domain.
# In notebook 03 a small model trained on our 480 posts in a couple of minutes finds most
# entities in posts it has never seen; notebook 06 measures how the score grows with data.
#
# **"A pretrained model already knows my domain."** You just measured the opposite. Pretrained
# pipelines know *their* labels on *their* kind of text. They are a good starting point, not a
# solution.
#
# **"More labels are always better."** Every label splits your examples into smaller groups, and
# each group needs enough of them. Our training set has far fewer ZIP codes than products, as the
# next cell shows. Before adding a label, ask whether anyone will use the distinction; merge or
# drop the ones nobody needs, and write down exactly where each one starts and ends.

# %%
counts = {label: sum(e[2] == label for rec in train for e in rec["entities"]) for label in settings.LABELS}
counts

# %% [markdown]
# **"Rules are obsolete."** Some entities follow a fixed shape. A ZIP code is five digits, a link
# has dots and slashes, a Reddit username starts with `u/`. A few token patterns find these
# almost perfectly, need no training data, and are easy to explain and fix. The next section
# measures that.

# %% [markdown]
# ## When rules are the better tool
#
# spaCy's `EntityRuler` matches **token patterns**: lists of dictionaries, one per token, that
# test token attributes such as `LOWER`, `SHAPE` (digits become `d`, letters `x`/`X`),
# `LENGTH` or `LIKE_URL`. The course keeps its patterns in `course.rules`:

# %%
for label in ("ZIP", "URL", "USERNAME"):
    print(f"{label:<9}", rules.PATTERNS[label][0])

# %% [markdown]
# A pipeline with only these rules, scored on the development posts for those three labels:

# %%
ruler = rules.ruler_pipeline(["ZIP", "URL", "USERNAME"])
evaluate.evaluate(ruler, dev, labels=["ZIP", "URL", "USERNAME"]).table()

# %% [markdown]
# Usernames and links are almost solved without a single training example. ZIP codes are harder
# than they look: postcodes from the UK and Canada (`SW11 3BU`, `M4C 1B5`) have a different shape,
# and tokens such as `12600` in `i5-12600K` look like US ZIPs. Every miss is visible in the error
# list, and the fix is a better pattern, not a new training run (notebook 06 writes and
# measures those patterns):

# %%
errors = evaluate.evaluate(ruler, dev, labels=["ZIP", "URL", "USERNAME"]).errors
errors[["snippet", "gold_text", "pred_text", "error"]].head(6)

# %% [markdown]
# Rules work when the entity has a clear form. They break down when the decision depends on
# meaning: `180` is a price in *asking 180 shipped* and a count in *180 Hz*; a product name can be
# any string. That is the model's job. In notebook 06 we combine both: rules for the shapes,
# a trained model for the rest.

# %% [markdown]
# ## Exercise: a rule for ZIP codes
#
# Write a one-token pattern that marks US ZIP codes (five digits) as `ZIP` and leaves `3080` in
# `RTX 3080` alone. Print `[t.shape_ for t in nlp_blank("RTX 3080 in 78701")]` first to see what
# spaCy's `SHAPE` looks like for numbers. Replace `____` and run the check.

# %%
zip_pattern = [{"SHAPE": ____}]

# %%
zip_examples = [("Selling RTX 3080 in Austin, TX 78701", [("78701", "ZIP")]),
                ("[USA-CA] [H] Ryzen 5 5600X [W] $90, zip 94110", [("94110", "ZIP")]),
                ("asking 180 shipped for the 4070", [])]
check.ruler_pattern(zip_pattern, "ZIP", zip_examples)

# %% jupyter={"source_hidden": true} tags=["solution"]
# Solution: SHAPE caps runs at four characters, so '78701' and '3080' both have shape 'dddd'.
# LENGTH tells them apart.
zip_pattern = [{"SHAPE": "dddd", "LENGTH": 5}]
check.ruler_pattern(zip_pattern, "ZIP", zip_examples).require()

# %% [markdown]
# ## Summary
#
# - NER marks spans inside a text and types them; context decides what a span is.
# - `en_core_web_sm` finds something on many of our entities but never with our labels, and often
#   with the wrong boundaries: the label set and the text style are both different.
# - Customise when you need your own labels, boundaries and domain. You do not need big data, but
#   you need consistent data, and only the labels you will use.
# - Pattern-like entities (ZIP, URL, USERNAME) are often better served by rules, which you can
#   read, measure and fix directly.
#
# ## Quiz

# %%
quiz.show("01_what_is_ner")

# %% [markdown]
# **Next:** [02 · Annotation and validation →](02_annotation_and_validation.ipynb)

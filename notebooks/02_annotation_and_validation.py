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
from collections import Counter

import spacy
import srsly
from spacy import displacy
from spacy.scorer import Scorer
from spacy.tokens import DocBin
from spacy.training import Example, offsets_to_biluo_tags

from course import annotations, exercises, formats, quiz, settings
from course.check import ____
from course.colors import LABEL_COLORS

spacy.util.fix_random_seed(settings.SEED)
nlp = spacy.blank("en")  # we only need the tokenizer in this notebook
DATA = settings.data_path()  # the course's data/ folder
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
# When a split surprises you, `nlp.tokenizer.explain` says which rule made each token: `PREFIX`,
# `SUFFIX`, `INFIX`, or `TOKEN` for what is left once nothing more can be peeled off (and
# `SPECIAL-1`, `SPECIAL-2`, … for a tokenizer exception such as `don't`, `URL_MATCH` for a
# link). It is the
# quickest way to see why a span cannot start or end where you wanted it to.

# %%
for rule, text in nlp.tokenizer.explain(post)[:8]:
    print(f"{text!r:<8} {rule}")

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
# line. spaCy also has a quick way out, `spacy.util.filter_spans`: it keeps the longest span
# (counted in tokens; on a tie, the one that starts first) and drops every span that overlaps
# it, without a word.

# %%
spans = [doc.char_span(s, e, label=label) for s, e, label in overlapping]
print(spacy.util.filter_spans(spans))

# %% [markdown]
# Here the longest span happens to be the one the guideline wants; when the shorter one is
# right, it is dropped just as quietly. So the validator does not choose: it names both spans
# (**N103**) and leaves the decision to a human.

# %%
print(annotations.validate([{"text": post, "entities": overlapping}], nlp))

# %% [markdown]
# ## Mistake 3: whitespace inside a span
#
# Selecting text with a mouse often grabs the space next to a word. Here the product starts at
# 12, on the space after `[H]`. spaCy's `char_span` again returns `None`, because no token starts
# there: spaCy keeps a single space as the trailing whitespace of the token before it (`]`). `alignment_mode="contract"` shrinks the span to the tokens inside it,
# which drops the space; the validator says why the span fails (**N102**) and how to strip it.

# %%
print(doc.char_span(12, 37))
print(doc.char_span(12, 37, alignment_mode="contract"))
print(annotations.validate([{"text": post, "entities": [[12, 37, "PRODUCT"]]}], nlp))

# %% [markdown]
# ## Mistake 4: an off-by-one the validator cannot see
#
# Some wrong spans align perfectly with tokens. Our guideline says a `PRICE` is the amount with
# its currency, without words like *shipped*. A span over `$450 shipped` ends on a token boundary,
# so it passes every automatic check: spaCy turns it into tags without a `-`, and the validator
# finds nothing. Only reading the data shows it:

# %%
too_long = {"text": post, "entities": [[52, 64, "PRICE"]]}
tags = offsets_to_biluo_tags(doc, too_long["entities"])
print([(token.text, tag) for token, tag in zip(doc, tags) if tag != "O"])
print(annotations.validate([too_long], nlp))
price_doc = nlp.make_doc(post)
price_doc.ents = [price_doc.char_span(52, 64, label="PRICE")]
displacy.render(price_doc, style="ent", jupyter=True, options={"colors": LABEL_COLORS})

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
broken_file = DATA / "broken_annotations.jsonl"
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
# boundaries (N101), moving a bracket or punctuation token at a span's edge out of it (N113),
# removing an exact duplicate (N104), and correcting label case (N108). `annotations.fix`
# applies only those, lists every change, and leaves everything that needs a judgement call
# (overlaps, unknown labels, offsets outside the text, empty or reversed spans, malformed
# records) for you. It never changes
# the records you pass in.

# %%
fixed = annotations.fix(loaded.records, nlp, labels=settings.LABELS,
                        source="broken_annotations.jsonl", lines=loaded.lines)
for change in fixed.changes:
    print(change.format())

# %%
print(f"{len(fixed.remaining)} problems still need a human:")
for problem in fixed.remaining.problems:
    print(f"  {problem.source}:{problem.line}: {problem.code} {problem.message}")

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
# Those three lines trust the offsets. On a misaligned span `doc.char_span` returns `None`, and
# assigning a list with a `None` in it fails with a `TypeError` that says neither which span nor
# which line:

# %%
try:
    doc.ents = [doc.char_span(13, 36, label="PRODUCT")]
except TypeError as err:
    print("TypeError:", err)

# %% [markdown]
# The course's `annotations.to_doc` does the same three steps and adds the validation: it
# refuses an invalid record with an `AnnotationError` that lists every problem, instead of
# failing on the first or dropping spans quietly.

# %%
try:
    annotations.to_doc(nlp, {"text": post, "entities": broken})
except annotations.AnnotationError as err:
    print(err.code, "—", err.problems[0].code, err.problems[0].message)

# %% [markdown]
# We use it from here on, starting with the records that `fix` left clean:

# %%
clean = [rec for i, rec in enumerate(fixed.records) if not any(p.index == i for p in fixed.remaining.problems)]
displacy.render(annotations.to_docs(nlp, clean[:4]), style="ent", jupyter=True, options={"colors": LABEL_COLORS})

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
# Annotation tools export different shapes of JSON. Here is the first task of an export from
# Prodigy, read with plain `srsly`. Each span comes twice: as character offsets (`start`, `end`)
# and as token indices (`token_start`, `token_end`).

# %%
task = next(srsly.read_jsonl(DATA / "samples" / "prodigy_export.jsonl"))
task_doc = nlp.make_doc(task["text"])
print("answer:", task["answer"])
for s in task["spans"]:
    span = task_doc.char_span(s["start"], s["end"], label=s["label"])
    print(
        f"{span.label_:<9} {span.text!r:<30} Prodigy tokens {s['token_start']}–{s['token_end']}, "
        f"spaCy span.start {span.start}, span.end {span.end}"
    )

# %% [markdown]
# Prodigy's `token_end` is the *last* token of the span; spaCy's `span.end` is one past it, like a
# slice. Converting token indices by hand is one more place for an off-by-one, so we keep the
# character offsets. `formats.load` reads the common formats into our canonical records:
# Prodigy (rejected answers are skipped and reported), doccano (`label`, or `labels` in older
# versions), Label Studio (the JSON export), CoNLL/IOB2 and spaCy's binary `.spacy` files.
# `formats.dump` writes them back.

# %%
prodigy = formats.load(DATA / "samples" / "prodigy_export.jsonl", "prodigy")
print(len(prodigy.records), "accepted;", "skipped:", prodigy.skipped)
print(prodigy.records[0])

# %%
studio = formats.load(DATA / "samples" / "labelstudio_export.json")
print(annotations.validate(studio.records, nlp, labels=settings.LABELS))

# %% [markdown]
# The command line converts between any two formats, and refuses (writing nothing) if the input
# has problems. Converting to `.spacy` gives the file that `spacy train` reads in notebook 03.

# %%
# !{sys.executable} -m course convert ../data/samples/prodigy_export.jsonl output/prodigy.spacy 2>&1
# !{sys.executable} -m course convert ../data/samples/doccano_export.jsonl output/doccano.spacy 2>&1 | tail -n 1

# %% [markdown]
# A `.spacy` file is a spaCy `DocBin`: a batch of `Doc`s, entities included, in a compact binary
# form. Reading one back needs only spaCy and a `Vocab` for the docs to live in; the strings they
# need travel in the file (notebook 03 writes such files itself):

# %%
doc_bin = DocBin().from_disk(OUT / "prodigy.spacy")
converted = list(doc_bin.get_docs(nlp.vocab))
print(len(converted), "docs; the first one's entities:", [(ent.text, ent.label_) for ent in converted[0].ents])

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
# ## Consistency: the same words, the same label, in every post
#
# The validator looks at one record at a time. The guideline's first rule is about the whole
# corpus: *the same words in the same role always get the same label and the same boundaries*.
# `python -m course consistency` reads several files as one corpus, takes the tokens of every
# labelled span, finds those tokens wherever else they occur, and lists each form that is
# labelled in more than one way: another label, no label, swallowed by a longer span of another
# label (`inside PRODUCT`), or other boundaries. `--ignore-case` treats `BNIB` and `bnib` as one
# form. Here it checks the course's five splits, `dev_shift` and `test_shift` included (two
# places per label are shown; the rest are counted):

# %%
# !{sys.executable} -m course consistency ../data/hardware_posts/train.jsonl ../data/hardware_posts/dev.jsonl ../data/hardware_posts/test.jsonl ../data/hardware_posts/dev_shift.jsonl ../data/hardware_posts/test_shift.jsonl --ignore-case --max-occurrences 2 2>&1

# %% [markdown]
# Read each finding before you change anything: the majority is a hint, not a verdict. Here
# every one of the 17 findings is a word in another role, not a slip. Most of the 59 places are
# `used` as a verb (`I used them for about a year`), which the guideline never labels. Most of
# the rest are homonyms, such as Kingston, a city in one post and a memory brand inside a product
# name in others; then come amounts that are not prices (`Sixty pounds each`, a shutter count of
# `18k`), and capacities that belong to a larger item (`16gb ram, 1tb nvme` in a PC's parts
# list). Numbers alone are left to their context (a bare number is a price after "asking" and
# nothing before "lbs"), so the command compares them only where they are labelled, unless you
# pass `--numbers`. Posts that are right as they are go into a reviewed list of exceptions:
# 61 lines here, 39 of them for `used`. Each line names the form, a piece of the post around
# it, and the **reason**; the command warns about a line that no longer excuses anything, so
# the list cannot quietly grow into a place where mistakes hide. The cell below counts the
# exceptions per form and prints the first ten; the run after it, with the list, finds nothing
# left to fix.

# %%
exceptions = [line for line in (DATA / "consistency_exceptions.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]  # FORM | CONTEXT | REASON
print(len(exceptions), "reviewed exceptions, by form:", dict(Counter(line.split(" | ")[0].lower() for line in exceptions)))
print("\n".join(exceptions[:10]))

# %%
# !{sys.executable} -m course consistency ../data/hardware_posts/train.jsonl ../data/hardware_posts/dev.jsonl ../data/hardware_posts/test.jsonl ../data/hardware_posts/dev_shift.jsonl ../data/hardware_posts/test_shift.jsonl --ignore-case --exceptions ../data/consistency_exceptions.txt 2>&1

# %% [markdown]
# ## Agreement: two annotators, one guideline
#
# Consistency compares a corpus with itself. **Inter-annotator agreement** asks a harder
# question: if two people annotate the same posts from the same guideline, without seeing each
# other's work, how often do they give the same answer? Where they differ, the guideline is
# unclear or incomplete, and a model trained on one annotator's labels and tested on the other's
# pays for it. The course ships such a sample: the posts in `data/agreement/raw.txt`, annotated
# twice. Annotator A wrote the posts; `annotator_a.jsonl` holds A's labels of them. Annotator B,
# another engineer of the course, labelled `annotator_b.jsonl` from `raw.txt` and
# `data/ANNOTATION_GUIDELINES.md` alone, in one sitting, without A's labels or any other course
# data. Neither is an outside annotator (`data/agreement/README.md` has the details).

# %%
import srsly

posts_a = list(srsly.read_jsonl(settings.data_path("agreement", "annotator_a.jsonl")))
posts_b = list(srsly.read_jsonl(settings.data_path("agreement", "annotator_b.jsonl")))
same_texts = all(a["text"] == b["text"] for a, b in zip(posts_a, posts_b))
print(f"{len(posts_a)} posts, the same texts in both files: {same_texts}")
print(f"spans: A {sum(len(p['entities']) for p in posts_a)}, B {sum(len(p['entities']) for p in posts_b)}")

# %% [markdown]
# ### Span-level agreement
#
# The strict view is the one the evaluation in notebook 05 takes: two spans agree only when they
# have the same start, the same end and the same label. Neither annotator is the reference, so
# precision and recall depend on which one you call "gold"; their harmonic mean does not:
# F1 = 2 × agreeing spans / (spans of A + spans of B).
#
# ### Exercise 02.6 · Span F1 between two annotators
#
# Complete `span_f1`. `posts_a[i]` and `posts_b[i]` are the `[start, end, label]` lists of post
# `i`. Remember that offsets count from the start of *each* post.

# %% tags=["exercise"]
# Exercise 02.6
def span_f1(posts_a, posts_b):
    """Strict span F1 of two annotators; posts_a[i] and posts_b[i] are post i's [start, end, label] lists."""
    spans_a = {(i, start, end, label) for i, ents in enumerate(posts_a) for start, end, label in ents}
    spans_b = ____
    both = ____
    return ____


# %%
exercises.check("02.6", span_f1)

# %% [markdown]
# spaCy's own `Scorer` computes the same strict F1 when you call one annotator's `Doc` the
# prediction and the other's the reference (an `Example` pairs them), and it breaks it down per
# label too. Which one you call the reference swaps precision and recall, never F1:

# %%
docs_a, docs_b = annotations.to_docs(nlp, posts_a), annotations.to_docs(nlp, posts_b)
pairs = [Example(predicted, reference) for predicted, reference in zip(docs_b, docs_a)]
scores_ab = Scorer.score_spans(pairs, "ents")
print(f"B against A: P {scores_ab['ents_p']:.3f}  R {scores_ab['ents_r']:.3f}  F1 {scores_ab['ents_f']:.3f}")

# %% [markdown]
# ### Token-level agreement and chance
#
# Spans are all-or-nothing: a PRODUCT one token shorter than the other annotator's is simply a
# miss. Looking at tokens gives partial credit. `offsets_to_biluo_tags` turns each annotator's
# spans into one tag per token; dropping the `B-`/`I-`/`L-`/`U-` prefix leaves one label per
# token, `O` for tokens outside every entity. Here are the first tokens of the first post on which
# A and B differ:

# %%
differs = next(i for i, (a, b) in enumerate(zip(posts_a, posts_b)) if a["entities"] != b["entities"])
doc = nlp.make_doc(posts_a[differs]["text"])
io_a = [tag.split("-", 1)[-1] for tag in offsets_to_biluo_tags(doc, posts_a[differs]["entities"])]
io_b = [tag.split("-", 1)[-1] for tag in offsets_to_biluo_tags(doc, posts_b[differs]["entities"])]
print(f"post {differs + 1}")
for token, a, b in list(zip(doc, io_a, io_b))[:8]:
    print(f"{token.text:<10} {a:<10} {b}")

# %% [markdown]
# Counting the tokens with the same label overstates agreement: most tokens are `O`, and two
# annotators who both write `O` almost everywhere agree on most tokens without trying.
# **Cohen's kappa** corrects for that. With p_o the share of tokens on which the annotators
# agree and p_e the agreement expected by chance (for each label, the share of tokens A gave it
# times the share B gave it, summed over labels), kappa = (p_o − p_e) / (1 − p_e): 1 is perfect
# agreement, 0 is no better than chance.
#
# ### Exercise 02.5 · Cohen's kappa
#
# Complete `cohen_kappa` for two lists of per-token labels like `io_a` and `io_b` above.

# %% tags=["exercise"]
# Exercise 02.5
def cohen_kappa(labels_a, labels_b):
    """Cohen's kappa of two annotators' labels for the same tokens ('O' included)."""
    n = len(labels_a)
    observed = sum(a == b for a, b in zip(labels_a, labels_b)) / n
    count_a, count_b = Counter(labels_a), Counter(labels_b)
    expected = sum(____ for label in count_a) / (n * n)
    return ____


# %%
exercises.check("02.5", cohen_kappa)

# %% [markdown]
# ### The whole picture
#
# `course.agreement.compare` computes both figures over the sample (kappa over all its tokens),
# F1 per label, and sorts every place where the annotators differ into a kind: `label` (same
# tokens, another label), `boundary` (overlapping spans of one label with other edges),
# `boundary+label`, and `only A` / `only B` (a span the other annotator has nothing near).
# `python -m course agreement A.jsonl B.jsonl` prints the same from a terminal.

# %%
from course import agreement

result = agreement.compare(nlp, posts_a, posts_b)
print(f"span F1 {result.f1:.3f}, token kappa {result.kappa:.3f} over {result.n_tokens} tokens")
print(f"disagreements: {len(result.disagreements)}")
result.to_frame()

# %% [markdown]
# ### Reading the disagreements
#
# The figures say how much the annotators differ; the disagreements say where. Each one is a
# question to settle, and displaCy shows it side by side (A first, then B):

# %%
for d in result.disagreements:
    print(f"post {d.index + 1}: {d.describe()}")
doc_a, doc_b = annotations.to_docs(nlp, [posts_a[differs], posts_b[differs]])
doc_a.user_data["title"], doc_b.user_data["title"] = "annotator A", "annotator B"
displacy.render([doc_a, doc_b], style="ent", jupyter=True, options={"colors": LABEL_COLORS})

# %% [markdown]
# Every disagreement is settled (*adjudicated*) in one of three ways: (a) the guideline does not
# decide, so you write the rule it was missing; (b) it decides and A broke it, so you fix A's
# labels, which are the gold labels of `test_shift`; (c) it decides and B broke it, so the gold
# labels stand and you note B's slip. Here it is (a). The guideline
# said that specs written straight after a name stay in the PRODUCT span, but not whether a form
# factor is a spec: is `rackmount` a spec of the UPS, or a describing word? Neither annotator was
# careless; the guideline let them both be right. It now has the missing rule:

# %%
guideline = settings.data_path("ANNOTATION_GUIDELINES.md").read_text(encoding="utf-8")
print(guideline[guideline.index("A form factor") :].split(";\n")[0])

# %% [markdown]
# The rule sides with B, so A's post in `test_shift` was corrected to follow it. The agreement
# figures above stay computed on the *raw* annotations, before adjudication: adjudicating first
# and then measuring would always report perfect agreement. `data/agreement/README.md` keeps the
# adjudication table, and the changelog of the guideline records the new rule.
#
# Which disagreements dominate? Here the only one is a PRODUCT boundary, and that is where this
# guideline spends most of its rules: where a product name ends (specs, form factors, generic
# nouns, a condition word before it) takes judgement, while a ZIP or a URL hardly does. Annotator
# B also wrote down every post where they hesitated (`data/agreement/annotator_b_notes.md`); most
# of those doubts were about where a PRODUCT ends, and on all but this one B guessed as A had.
# Guesses that happen to agree are still guesses, so the nearest of them (`poe switch`,
# `10gbe nics`) went into the same rule. The careless annotator further down slips elsewhere,
# because its slips were chosen, not observed.
#
# Read the near-perfect score with care. Both annotators are engineers of the course who know
# the same guideline, and the guideline was revised on these very posts: an earlier round of
# annotation turned each guess into a rule with an example taken from the sample, and so did the
# adjudication above. This cell counts the posts that contain a phrase the guideline quotes (longer
# than five characters, and of three words or more or with a digit, so that keywords such as
# `good condition` or `2x` do not count):

# %%
import re

quoted = {re.sub(r"\[([^]]+)\]\([A-Z]+\)", r"\1", q) for q in re.findall(r"`([^`\n]+)`", guideline)}
quoted = {q for q in quoted if len(q) > 5 and (len(q.split()) > 2 or any(c.isdigit() for c in q))}  # no keywords
found = {i: [q for q in quoted if q in post["text"]] for i, post in enumerate(posts_a, 1)}
found = {i: phrases for i, phrases in found.items() if phrases}
print(f"{len(found)} of {len(posts_a)} posts contain a phrase the guideline quotes, e.g.")
for i in list(found)[:4]:
    print(f"  post {i}: {found[i]}")

# %% [markdown]
# A guideline tuned on the sample that measures it is like a model chosen on its test set: the
# figure is optimistic. Agreement on fresh posts, with an annotator from outside the project, is
# the figure to trust; ask someone to annotate a sample of your own data before you believe
# yours. A perfect score deserves the most suspicion: an earlier second annotation of this
# sample agreed with A perfectly, and it turned out not to be independent of A (it was replaced;
# git history keeps it).

# %% [markdown]
# ### What other disagreements look like
#
# The real sample shows one kind of disagreement. To see the others, and how the two measures
# react, we make a careless annotator **C** on purpose: annotator A's labels with three slips
# that real annotators make, and that the course's models make on posts written by other people:
# a condition right before the product is swallowed into the PRODUCT span, links without
# `https://` are left out, and places written in lower case are left out. C is a simulation, not
# a person: its figures show how the measures behave, not how well people agree.

# %%
def careless(record):
    """Annotator A's record with three common slips (a simulation, not a person)."""
    text, out = record["text"], []
    for start, end, label in sorted(record["entities"]):
        if label == "URL" and "://" not in text[start:end]:
            continue  # a link without a scheme is missed
        if label == "LOCATION" and text[start:end].islower():
            continue  # a place in lower case is missed
        if label == "PRODUCT" and out and out[-1][2] == "CONDITION" and text[out[-1][1]:start] == " ":
            start = out.pop()[0]  # 'used <product>' becomes one PRODUCT span
        out.append([start, end, label])
    return {"text": text, "entities": out}


posts_c = [careless(post) for post in posts_a]
result_c = agreement.compare(nlp, posts_a, posts_c, "A", "C")
print(f"span F1 {result_c.f1:.3f}, token kappa {result_c.kappa:.3f}; disagreements: {len(result_c.disagreements)}")
result_c.to_frame()

# %% [markdown]
# The breakdown says which slip costs most, and for which label:

# %%
for (kind, label), n in Counter((d.kind, d.label) for d in result_c.disagreements).most_common():
    print(f"{n:>3}  {kind:<15} {label}")
for d in result_c.disagreements[:4]:
    print(f"post {d.index + 1}: {d.describe()}")

# %% [markdown]
# Kappa and span F1 react differently to the same slips. A swallowed condition costs span F1
# two matches, A's `CONDITION` and A's `PRODUCT` against C's one longer `PRODUCT` (in the table
# above, both labels have 9 fewer matched spans than A has), but only one token (`used`) changes
# label, so kappa loses less than F1 (the two lines below). A missing location costs both. The
# real disagreement between A and B is the same story in small: one pair of spans that do not
# match, one token (`rackmount`) of 1229 changed. Report both figures: F1
# speaks the language of the evaluation, kappa tells you how much of the token agreement is more
# than chance.

# %%
print(f"A vs B: span F1 {result.f1:.3f}, token kappa {result.kappa:.3f}")
print(f"A vs C: span F1 {result_c.f1:.3f}, token kappa {result_c.kappa:.3f}")

# %% [markdown]
# ### Agreement is a ceiling for model F1
#
# Imagine a model that learned annotator A's conventions perfectly: its predictions *are* A's
# annotations. Score it with spaCy's own `Scorer` against a test set that B labelled, and one
# that C labelled:

# %%
for name, docs, agreed in (("B", docs_b, result.f1), ("C", annotations.to_docs(nlp, posts_c), result_c.f1)):
    scores = Scorer.score_spans([Example(pred, ref) for pred, ref in zip(docs_a, docs)], "ents")
    print(f"a perfect copy of A, scored against {name}: F1 {scores['ents_f']:.3f} (A vs {name}: {agreed:.3f})")

# %% [markdown]
# The perfect model scores exactly the agreement between the two annotators, and no model can
# do better against B or C without learning their habits. That is why inter-annotator agreement
# is a ceiling: when a model's F1 comes close to it, the remaining errors are disagreements about
# the guideline, not things the model failed to learn, and more training will not fix them; a
# clearer guideline will. When a model scores *above* the agreement of independent annotators,
# it has learned the habits of whoever labelled the test set. Our sample is the first part of
# `test_shift`, the second test set of notebook 05. There, the models stay clearly below this
# ceiling, so the guideline is not what holds them back. Keep in mind what the ceiling is
# measured with: two engineers of the course, on posts the guideline was tuned on. With outside
# annotators on fresh posts it would be lower, by an amount this sample cannot tell.

# %% [markdown]
# ## Summary
#
# - Offsets count characters from 0 and the end is exclusive: `text[start:end]` is the entity.
# - The model labels tokens, so every span must start and end on token boundaries. spaCy turns a
#   span that cuts a token into "missing" (W030) and trains without it.
# - The validator reports every problem with a code, the line and a hint: misaligned (N101),
#   whitespace (N102), overlap (N103), duplicate (N104), out of range (N105), empty (N106),
#   unknown label (N107), label case (N108), punctuation at a span's edge (N113), and malformed
#   records (N100, N109–N111).
# - `fix` applies only safe fixes and lists them; decisions stay with you. Some mistakes align
#   perfectly, so read your data too.
# - `python -m course consistency` finds the same words labelled differently across files; a
#   legitimate exception is written down with its reason.
# - Inter-annotator agreement (strict span F1, token-level Cohen's kappa, and the kinds of
#   disagreement) shows where the guideline is unclear, and it is a ceiling for model F1.
#   Measure it with annotators who do not share your habits.
#
# ## Quiz

# %%
quiz.show("02_annotation_and_validation")

# %% [markdown]
# **Next:** [03 · Training a model, by hand and by config →](03_training.ipynb)

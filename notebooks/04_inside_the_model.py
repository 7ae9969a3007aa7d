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
# # 04 · Inside the model: how spaCy's NER works, measured
#
# Notebook 03 trained a model without opening it. Here you will take it apart. You will read the
# real configuration of `spacy.blank("en").add_pipe("ner")`, see which four strings each token is
# turned into and how a few thousand table rows can hold a whole vocabulary, work out how far a
# token can "see" through the convolutional encoder, and step through the actions the trained
# model takes to build its entities. Then you will measure what each part buys on our posts by
# switching parts off, and put a transformer into the same frame. By the end you can read an NER
# config, predict what a change to it will do, and check your prediction with numbers.

# %%
import numpy
import pandas as pd
import spacy
import srsly
from spacy.training import Example

from course import exercises, inside, quiz, settings, train
from course.check import ____

spacy.util.fix_random_seed(settings.SEED)
FAST = settings.is_fast()  # fast (CI) mode trains less; learner mode is the real run
EPOCHS = 1 if FAST else inside.ABLATION_EPOCHS  # passes over the training posts
N_TRAIN = 120 if FAST else None  # fast mode trains on the first 120 posts only
DATA = settings.data_path("hardware_posts")
all_train = list(srsly.read_jsonl(DATA / "train.jsonl"))  # every training post, in both modes
train_records = all_train[:N_TRAIN]
dev_records = list(srsly.read_jsonl(DATA / "dev.jsonl"))
pd.set_option("display.max_colwidth", None)
POST = "[USA-TX] [H] EVGA RTX 3080 FTW3, like new [W] $450 shipped, PM u/gpu_guy"

# %% [markdown]
# ## A frame: embed, encode, attend, predict
#
# Most neural NLP models of the last decade can be read as four steps:
#
# 1. **Embed**: turn each token into a vector, looking at the token alone.
# 2. **Encode**: let each vector take in its neighbours, so that `3080` after `RTX` gets a
#    different vector from `3080` in `Austin 3080 miles away`.
# 3. **Attend**: reduce the many token vectors to what one decision needs.
# 4. **Predict**: make the decision, here: which tokens form an entity, with which label.
#
# The four steps are a way of *reading* an architecture, not a checklist every model must tick.
# Here is how three families of NER models fill them in:
#
# | step | spaCy's `ner` (this course) | BiLSTM-CRF tagger | transformer (notebook 07) |
# |---|---|---|---|
# | embed | hash embeddings of four token attributes (`MultiHashEmbed`) | a word-vector table, often plus a character LSTM | wordpiece embeddings plus position embeddings |
# | encode | a stack of convolutions over a few neighbours (`MaxoutWindowEncoder`) | a bidirectional LSTM that reads the whole sentence both ways | self-attention layers over the whole text |
# | attend | no attention layer: the parser picks the vectors of a few tokens that its current state points at | none; each token's vector is its own summary | learned attention inside every encoder layer |
# | predict | a transition-based parser that builds entities left to right with B/I/L/U/O actions | one tag per token (BIO), chosen jointly by a CRF | usually a tag per token from a linear layer; in spaCy, the same parser as on the left |
#
# **CNN** stands for *convolutional neural network*: a network whose layers apply the same small
# set of weights to every window of neighbouring positions, sliding along the input. In spaCy's
# encoder a window is a token and its `window_size` neighbours on each side (one, by default). When the course says **blank CNN**
# (from notebook 05 on) it means exactly the model of this notebook: `spacy.blank("en")` plus an
# untrained `ner` with this convolutional encoder, trained only on our posts.
#
# The two columns on the right are what most blog posts and papers describe. spaCy's NER differs
# in every row, and most of the differences buy speed and small models on a CPU: hashing keeps
# the tables small, convolutions over a few neighbours are cheap, and the parser makes one small
# decision per token.

# %% [markdown]
# ## The real config
#
# Every spaCy component is built from a config. The defaults of `add_pipe("ner")` are the ones
# notebook 03 trained with; here is the model block:

# %%
nlp = spacy.blank("en")
ner = nlp.add_pipe("ner")
print(nlp.pipe_names, nlp.get_pipe("ner") is ner)  # the pipeline's one component, by name
model_config = nlp.config["components"]["ner"]["model"]
print({k: v for k, v in model_config.items() if k != "tok2vec"})
print(model_config["tok2vec"])

# %% [markdown]
# The outer architecture, `spacy.TransitionBasedParser.v2` with `state_type = "ner"`, is the
# *predict* step. Its `tok2vec` block, `spacy.HashEmbedCNN.v2`, is *embed* and *encode* together:
# in spaCy's source (`spacy/ml/models/tok2vec.py`) it is a shortcut that builds a `MultiHashEmbed`
# (embed) chained to a `MaxoutWindowEncoder` (encode). `course.inside.BASELINE` writes that
# expansion out as a config of its own, so that we can change one part at a time later; a test
# checks that it builds exactly the same layers.
#
# Each `@architectures` string is a name in spaCy's registry, `spacy.registry.architectures`,
# and the registry maps it to the Python function that builds the layers from the other
# settings of the block. The model object those functions return is a tree of Thinc layers. The
# parser keeps three of them by name (`ner.model.ref_names`): the `tok2vec`, the "lower" layer
# (`precomputable_affine`, which turns token vectors into state features) and the "upper" one
# (the final `linear` that scores the actions). Walking the tree and counting the layer types
# shows the pieces: four hash tables, and the `expand_window` + `maxout` pair once per encoder
# layer.

# %%
for name in (model_config["@architectures"], model_config["tok2vec"]["@architectures"]):
    build = spacy.registry.architectures.get(name)
    print(f"{name} is built by {build.__module__}.{build.__name__}")
print("named parts of ner.model:", ner.model.ref_names)
layer_names = [node.name for node in ner.model.walk()]
interesting = ["hashembed", "expand_window", "maxout", "layernorm", "precomputable_affine", "linear"]
print({name: layer_names.count(name) for name in interesting})
print(inside.BASELINE["embed"]["attrs"], inside.BASELINE["embed"]["rows"])

# %% [markdown]
# Reading the counts: one `hashembed` per attribute; one `expand_window` per encoder layer; a
# `maxout` with its `layernorm` in every encoder layer plus one more where the four embeddings
# are mixed into a single vector; the parser's `precomputable_affine` (which has maxout pieces of
# its own); and two `linear` layers, one that projects the encoder's output to the parser's
# hidden width and one that scores the actions.
#
# ## Embed: four strings per token, hashed
#
# `MultiHashEmbed` does not embed the token text. It embeds four **attributes** of it, each with
# a table of its own:
#
# - `NORM`: the normalised form, mostly the lower-cased text (`RTX` → `rtx`), with a few
#   tokenizer exceptions (`n't` → `not`);
# - `PREFIX`: the first character;
# - `SUFFIX`: the last three characters;
# - `SHAPE`: the pattern of character classes: `X` upper case, `x` lower case, `d` digit,
#   other characters as they are, with runs longer than four cut to four (`3080` → `dddd`).
#
# Here they are for a post with a product, a price and a username:

# %%
doc = nlp.make_doc(POST)
inside.attribute_table(doc).T

# %% [markdown]
# Each attribute catches something the others miss. `NORM` tells `rtx` from `gtx`, but has never
# seen most model numbers; `SHAPE` knows that `3080`, `5600` and `98101` are all-digit tokens of
# four or more (`dddd`), and `450` a three-digit one, whatever the digits are; `SUFFIX` links
# `5800X3D` to other `X3D` parts; `PREFIX` separates `$` from `#`. The table also shows what the
# tokenizer did: `USA-TX` became three tokens and `u/gpu_guy` three as well, so the model must
# learn that a username entity spans `u`, `/` and `gpu_guy`.
#
# ### The hashing trick and Bloom embeddings
#
# A normal embedding table needs a row for every word it knows, and a vocabulary of all product
# names, prices and usernames never ends. spaCy's `HashEmbed` (in Thinc,
# `thinc/layers/hashembed.py`) keeps a fixed number of rows instead. For every value it
# computes a 128-bit MurmurHash of the attribute's 64-bit key with the table's seed, cuts it into
# **four** numbers, takes each modulo the number of rows, and **adds up those four rows**. Two
# words only get the same vector if all four of their rows coincide. This is the idea of a Bloom
# filter applied to embeddings, hence *Bloom embeddings*.
#
# Each table is a Thinc `hashembed` layer inside `ner.model`. Its `get_dim("nV")` is the number
# of rows, `get_dim("nO")` the width of each row, and `attrs["seed"]` its seed. The default
# `embed_size = 2000` gives the `NORM` table 2000 rows and the other three half as many each.
# The model's first layer, `extract_features`, turns a doc into the keys the tables hash: one
# row per token, one 64-bit key per attribute (it calls `doc.to_array` with the four names), and
# the vocabulary's `StringStore` turns a key back into its string. Here are the tables, with the
# four rows each one sums for `3080`, computed as thinc's `HashEmbed` does:

# %%
extract = next(node for node in ner.model.walk() if node.name == "extract_features")
tables = [node for node in ner.model.walk() if node.name == "hashembed"]  # NORM, PREFIX, SUFFIX, SHAPE
keys = extract.predict([doc])[0]  # shape (tokens, 4), uint64
i = 10  # doc[10] is '3080'
rows = []
for table in tables:
    column, seed, n_rows = table.attrs["column"], table.attrs["seed"], table.get_dim("nV")
    key = numpy.asarray([keys[i, column]], dtype="uint64")
    rows.append({"attr": extract.attrs["columns"][column], "rows": n_rows, "width": table.get_dim("nO"),
                 "seed": seed, "value": nlp.vocab.strings[int(key[0])],
                 "rows summed": (table.ops.hash(key, seed)[0] % n_rows).tolist()})
pd.DataFrame(rows)

# %% [markdown]
# Any word, even one never seen in training, lands on four rows of each table, so there is no
# "unknown word". The price is that rows are shared. How much, for the `NORM` values of our
# training posts?

# %%
norms = {token.norm for r in all_train for token in nlp.make_doc(r["text"])}
stats = inside.collision_stats(norms, seed=tables[0].attrs["seed"], rows=tables[0].get_dim("nV"))
print(f"{stats['keys']} distinct NORM values in {stats['rows']} rows")
print(f"share at least one of their four rows with another value: {stats['share_any']:.1%}")
print(f"share all four rows with another value (identical vectors): {stats['share_all']:.1%}")

# %% [markdown]
# Partial sharing is everywhere; complete sharing, two words with the very same vector, is
# absent. Each word's vector is a sum of four rows, and a word whose rows are shared with others
# still has a combination of its own; training sorts out which rows carry what. That is why a
# fixed, small table can serve an open vocabulary of model numbers and usernames, and why it can
# be made smaller still (one of the ablations below makes every table 20 times smaller).
#
# ### Exercise 04.1 · The four attributes a token is embedded by
#
# Complete `features` so that it returns the four strings `MultiHashEmbed` embeds for a token,
# under the keys `"NORM"`, `"PREFIX"`, `"SUFFIX"` and `"SHAPE"`. Each is a `Token` attribute.

# %% tags=["exercise"]
# Exercise 04.1
def features(token):
    """The four attribute strings MultiHashEmbed embeds for one token."""
    return {"NORM": ____, "PREFIX": ____, "SUFFIX": ____, "SHAPE": ____}


# %%
exercises.check("04.1", features)

# %% [markdown]
# ## Encode: a window that grows with depth
#
# After embedding, every token has a vector that knows nothing about its neighbours. The
# `MaxoutWindowEncoder` adds context in `depth` identical layers. Each layer:
#
# 1. concatenates every token's vector with those of `window_size` neighbours on each side
#    (`expand_window`; with the default `window_size = 1`, three vectors side by side);
# 2. maps that back to `width` numbers with a **maxout** unit (several linear pieces, keep the
#    largest) and layer normalisation;
# 3. adds the result to the layer's input (a **residual** connection), so a layer only has to
#    learn a correction.
#
# One layer lets `3080` see `RTX` and `FTW3`. The second layer looks at those neighbours again,
# but they have already seen *their* neighbours, so `3080` now reaches two tokens on each side.
# After `depth` layers, a token can be influenced by `window_size × depth` tokens on each side;
# spaCy's docstring puts it as a receptive field of `depth × window_size × 2 + 1` tokens. With
# the defaults, that is four tokens each way:

# %%
tokens = [t.text for t in doc]
center = tokens.index("3080")
for depth in (1, 2, 3, 4):
    field = inside.receptive_field(len(tokens), center, window=1, depth=depth)
    print(f"depth {depth}: {' '.join(tokens[i] for i in field)}")

# %%
fig = inside.plot_receptive_field(tokens, center, window=1, depths=(1, 2, 3, 4))

# %% [markdown]
# At depth 4 the vector of `3080` has seen from the `H` of `[H]` to the `new` of `like new`, but
# not the `$450` further on, and not the `[USA-TX]` at the start. Anything the model needs to
# know about a token must sit within this window. (The encoder also pads between posts, so one
# post in a batch never leaks into another.)
#
# The parser widens this a little. For the decision on the next token it reads the vectors of
# three tokens: the next token itself, the first token of the entity being built (if one is
# open), and the token just before the next one. When `EVGA RTX` is already open as a product,
# the decision on `3080` therefore sees the union of three windows:

# %%
start = tokens.index("EVGA")
seen = inside.decision_field(len(tokens), center, start, window=1, depth=4)
print(f"decision on '3080' with 'EVGA' open: {' '.join(tokens[i] for i in seen)}")

# %% [markdown]
# ### Exercise 04.2 · How far does the encoder see?
#
# Complete `reach` so that it reads a pipeline's config and returns how many tokens **on each
# side** can change a token's vector after the encoder. The check builds pipelines with other
# depths and windows.

# %% tags=["exercise"]
# Exercise 04.2
def reach(nlp):
    """How many tokens on each side can change a token's vector after the encoder."""
    tok2vec = nlp.config["components"]["ner"]["model"][____]
    return ____


# %%
exercises.check("04.2", reach)

# %% [markdown]
# ### Exercise 04.3 · Measure how far a token's vector reaches
#
# The formula is one thing; the model is another. You can *measure* the receptive field: replace
# one word of a post at a time and see whether the vector of token `i` changes. Random weights
# are enough for that, so the check gives your function pipelines that were only initialised.
#
# Two pieces of spaCy you need: `nlp.get_pipe("ner").model.get_ref("tok2vec")` is the part of the
# ner's model that embeds and encodes (followed by a projection to the parser's width), and its
# `predict([doc])` returns an array with one row per token. `Doc(nlp.vocab, words=...)` builds a
# doc from a list of words, so that replacing a word never changes the tokens. Complete `reaches`
# so that it returns the positions `j` where replacing `words[j]` changes the vector of token `i`.

# %% tags=["exercise"]
# Exercise 04.3
import numpy
from spacy.tokens import Doc

def reaches(nlp, words, i):
    """Positions j where replacing words[j] changes the encoder's vector of token i."""
    tok2vec = nlp.get_pipe("ner").model.get_ref(____)
    before = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
    found = []
    for j in range(len(words)):
        changed = words[:j] + ["zzz"] + words[j + 1:]
        after = ____
        if not numpy.allclose(before, after):
            found.append(j)
    return found


# %%
exercises.check("04.3", reaches)

# %% [markdown]
# ### And "attend"?
#
# spaCy's CNN has no attention layer. Nothing in it computes weights over all tokens and mixes
# them, as a transformer does in every layer. What plays the role of the *attend* step is the
# parser's choice of those three token vectors: which tokens matter for a decision is decided by
# a fixed rule about the parser's state, not learned. That is cheap and works well for entities,
# which are short and mostly decided by nearby words. It also sets a hard limit: a cue further
# away than those windows cannot influence the decision at all, however useful it would be.
#
# ## Predict: a transition-based parser
#
# A tagger gives each token a label independently (and needs a CRF or rules to keep the labels
# consistent). spaCy's NER instead runs a small **transition system**, borrowed from dependency
# parsing. Its state has three parts:
#
# - the **buffer**: the tokens not yet decided, read from the left; the first one is called B0;
# - the **open entity**, if any: where it started and its label (spaCy appends it to its list of
#   entities with the end still unset, and sets the end when the entity is closed);
# - the **entities** finished so far.
#
# The dependency parser, where this machinery comes from, also keeps a **stack** of words it has
# read but not yet attached. NER does not need one: every NER action in
# `spacy/pipeline/_parser_internals/ner.pyx` pushes B0 onto the stack and pops it straight off
# again, so between steps the stack is empty and the buffer and the open entity are the whole
# state.
#
# At every step the model scores all actions and applies the best one that is *valid* in the
# current state. For each label there are four actions, plus one without a label:
#
# | action | meaning | valid when |
# |---|---|---|
# | `B-X` | begin an entity of label X at B0 | no entity is open, and B0 is not the last token |
# | `I-X` | B0 is inside the open X entity | an X entity is open, and B0 is not the last token |
# | `L-X` | B0 is the last token of the open X entity; close it | an X entity is open |
# | `U-X` | B0 is a one-token ("unit") X entity | no entity is open |
# | `O` | B0 is outside any entity | no entity is open |
#
# Each action consumes B0, so a post of n tokens takes exactly n steps. Those are the BILUO tags
# from notebook 02, read as actions. To walk through a real parse we need a trained model: the
# baseline: spaCy's default `ner` with its `tok2vec` written out as `inside.BASELINE`, trained
# as in notebook 03 (same seed; fewer epochs, so that the ablations below fit in a notebook).
# `train_blank` trains the pipeline we hand it in place.

# %% tags=["nbval-ignore-output"]
nlp = spacy.blank("en")  # from here on, nlp and ner are the trained baseline
ner = nlp.add_pipe("ner", config={"model": {"tok2vec": inside.BASELINE}})
baseline = train.train_blank(train_records, n_iter=EPOCHS, seed=0, nlp=nlp, progress=False)
print(f"{EPOCHS} epochs on {len(train_records)} posts, {baseline.cpu_seconds:.0f} s CPU")
print(len(ner.labels), "labels:", ner.labels)
names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
print(len(names), "actions:", " ".join(names))
print("scores per step (width of the upper layer):", ner.model.get_ref("upper").get_dim("nO"))

# %% [markdown]
# (`U-` without a label is a placeholder spaCy keeps for tokens that are explicitly blocked from
# being entities; it is never valid for a prediction, and `ner.move_names` leaves it out.) The
# upper layer gives one score per action, and the parse is a loop over states. spaCy runs it in
# Cython (`greedy_parse` in `spacy/pipeline/transition_parser.pyx`); the same loop in Python,
# with the ner's own pieces: `ner.moves.init_batch` makes the first state, `ner.model.predict`
# embeds and encodes the doc once and returns a step model that scores the actions for a state,
# `ner.moves.is_valid` says which actions the state allows, and `apply_transition` takes one.
#
# Below the loop, `inside.walk` runs the same loop and records every state on the way: the token
# at B0, the entity that was open before the action, the action, the best *valid* alternative and
# by how much it lost, and how many of all the actions were valid.

# %% tags=["nbval-ignore-output"]
doc = nlp.make_doc(POST)
state = ner.moves.init_batch([doc])[0]  # B0 is the first token; nothing open, no entities yet
step_model = ner.model.predict([doc])  # embeds and encodes the whole doc, once
actions = []
while not state.is_final():
    scores = step_model.predict([state])[0]  # one score per action
    valid = [a for a, name in enumerate(names) if ner.moves.is_valid(state, name)]
    actions.append(names[max(valid, key=lambda a: scores[a])])  # the best valid action
    ner.moves.apply_transition(state, actions[-1])  # consumes B0
print(len(doc), "tokens,", len(actions), "actions:", " ".join(actions))
steps = inside.walk(nlp, POST)
print("inside.walk took the same actions:", [step.action for step in steps] == actions)
inside.walk_table(steps)

# %% [markdown]
# Step through it with the buttons or the slider (forward and back); the text shows the state
# after each action. The last state's entities are what `nlp(text).ents` returns:

# %% tags=["nbval-ignore-output"]
inside.walk_widget(steps)

# %% [markdown]
# Calling `nlp(POST)` runs the tokenizer and then, for each component, its `predict` (here the
# loop above, for a batch of docs) and its `set_annotations`, which writes the final state's
# entities to `doc.ents` (`TrainablePipe.__call__` in `spacy/pipeline/trainable_pipe.pyx`). The
# two steps by hand give the same entities:

# %% tags=["nbval-ignore-output"]
docs = [nlp.make_doc(POST)]
states = ner.predict(docs)  # one final state per doc
ner.set_annotations(docs, states)  # the states' entities become doc.ents
print([(ent.text, ent.label_) for ent in docs[0].ents])
print("same as nlp(POST):", [(e.start, e.end, e.label_) for e in docs[0].ents]
      == [(e.start, e.end, e.label_) for e in nlp(POST).ents])

# %% [markdown]
# Look at the `n_valid` column. While an entity is open, at most two actions are allowed:
# continue it (`I-` with the *same* label) or close it (`L-` with the same label); on the last
# token only `L-` is left. When nothing is open, every `B-`, `U-` and `O` is allowed (no `B-` on
# the last token), but no `I-` or `L-`. That is why the output is
# always well formed: an entity cannot start twice, change its label halfway, stay open at the end
# of the post (on the last token, `B-` and `I-` are invalid), or overlap another, because every
# token is consumed by exactly one action. A tagger that picks BIO tags one by one can produce
# `O I-PRICE` or `B-PRODUCT I-PRICE` and needs a CRF, or a clean-up step, to repair them.
#
# The price is that decisions are greedy: once `B-PRODUCT` is taken, the model cannot go back
# and decide the entity started one token later. Training compensates by teaching it, at every
# state, the action that is best from *there* (a dynamic oracle).
#
# ### Exercise 04.4 · The actions that build the gold entities
#
# Your annotation can be read the same way: as the one sequence of actions that builds it.
# spaCy's training scores the model's actions against it (`ner.moves.get_oracle_sequence`).
# Complete `gold_actions` so that it returns that sequence for a doc and its `(start, end,
# label)` entities. spaCy has a function from notebook 02 that does exactly this.

# %% tags=["exercise"]
# Exercise 04.4
from spacy.training import offsets_to_biluo_tags

def gold_actions(doc, entities):
    """One BILUO action per token that builds `entities` ((start, end, label) offsets)."""
    return ____


# %%
exercises.check("04.4", gold_actions)

# %% [markdown]
# ## What each part buys: ablations
#
# An **ablation** removes or shrinks one part of a model and measures the change. We build every
# variant with spaCy's own config system, `add_pipe("ner", config={"model": {"tok2vec": ...}})`,
# changing one setting of the baseline at a time:

# %%
pd.DataFrame([{"variant": v.name, "what changes": v.change, "embed attrs": v.tok2vec()["embed"]["attrs"],
               "rows": v.tok2vec()["embed"]["rows"], "depth": v.tok2vec()["encode"]["depth"],
               "window": v.tok2vec()["encode"]["window_size"]} for v in inside.VARIANTS]).set_index("variant")

# %% [markdown]
# ### Exercise 04.5 · An NER model that does not see word shapes
#
# Write the "no SHAPE" variant yourself, in plain spaCy. Complete the `embed` block so that the
# model embeds `NORM`, `PREFIX` and `SUFFIX` with their default table sizes, and no `SHAPE`.

# %% tags=["exercise"]
# Exercise 04.5
def no_shape_ner():
    """A blank English pipeline whose ner embeds NORM, PREFIX and SUFFIX but not SHAPE."""
    nlp = spacy.blank("en")
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96, "include_static_vectors": False,
             "attrs": ____, "rows": ____}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1,
              "maxout_pieces": 3}
    nlp.add_pipe("ner", config={"model": {"tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                                                      "embed": embed, "encode": encode}}})
    return nlp


# %%
exercises.check("04.5", no_shape_ner)

# %% [markdown]
# **Predict before you run.** Without `SHAPE`, which labels will suffer most? Think of what
# `dddd`, `ddd` and `$` tell the model, and of what `NORM` still knows. Write your guess down;
# the table below will tell you.
#
# Every variant must be trained the same way: same posts, same seed, same epochs, same
# batches. One training run takes a while, and one seed is not enough to tell a real difference
# from luck: the same model trained with another seed can land higher or lower, by up to about
# two points of micro F1 in the grid below. The
# full grid, 9 variants × 3 seeds, is too slow for a notebook, so `bench/inside_ablation.py`
# ran it (command below) and stored every run in `bench/inside_ablation.json`. Here we retrain
# one variant live and check that it gives the stored number for its seed:
#
# ```bash
# python bench/inside_ablation.py     # all variants, seeds 0 1 2
# ```

# %%
stored = inside.load_stored()
print(f"stored: {stored['runs']['variant'].nunique()} variants × seeds {stored['seeds']}, "
      f"{stored['epochs']} epochs each")

# %% tags=["nbval-ignore-output"]
live = inside.run_ablation([inside.variant("no SHAPE")], train_records, dev_records, epochs=EPOCHS, seeds=[0])
dev_examples = [Example.from_dict(nlp.make_doc(r["text"]), {"entities": r["entities"]}) for r in dev_records]
live_base = nlp.evaluate(dev_examples)["ents_f"]  # the baseline's dev micro F1
print(inside.compare_with_stored(stored, {"baseline": live_base, "no SHAPE": live.loc[0, "micro"]}))

# %% [markdown]
# (In learner mode the live runs reproduce the stored seed-0 runs; in fast mode, with fewer
# posts and one epoch, they cannot.) Now the stored grid, averaged over the seeds. For each
# variant: dev micro F1, the spread between seeds, the change from the baseline, the two labels
# whose F1 moved most, and the training time (CPU seconds of the update loop, steadier than wall
# time on a shared machine). The plot shows every run on the left (one dot per seed, the
# baseline's range in grey) and the mean change per label on the right.

# %%
summary = inside.summarize(stored["runs"])
summary

# %%
fig = inside.plot_ablation(stored["runs"])

# %% [markdown]
# Before reading a difference off the table, check it against the noise. The baseline alone,
# trained with three seeds, spreads over well under a point of micro F1 this time (first line
# below), while most variants spread over one to two points between their own seeds (left plot),
# so the bar the rule sets is low. The
# report compares each variant with the baseline **seed by seed** and calls a change real only
# if it points the same way on every seed *and* its mean is larger than the baseline's own
# spread; it applies the same rule to every label, with that label's spread.

# %%
print(inside.noise_report(stored["runs"]))

# %% [markdown]
# What the grid shows, and only that. Ranked by their mean loss of micro F1: `NORM only` (about
# eight points), `rows ÷20` (about five), `no SHAPE` (about two) and depth 1 (about one) are
# lower on every seed; the other four are within noise.
#
# - **Character features matter most, and for `ZIP` and `URL` above all.** `NORM only` (no
#   `PREFIX`, `SUFFIX` or `SHAPE`) lowers micro F1 on every seed by far more than the noise, and
#   it hits `ZIP` hardest, then `URL`; `PRODUCT`, `LOCATION` and, by little, `PRICE` also fall by
#   more than their own noise. A likely reason: almost every ZIP code is a number the model has
#   never seen as a word, so its `NORM` rows say little; what can tell the model "a long number,
#   after a capitalised word" is the shape and the characters, of the token and of its neighbours.
#   URLs are the same story: `imgur.com/a/…` is a new string every time, with a familiar shape.
# - **`SHAPE` alone carries part of that, and most of what `ZIP` needs.** Dropping `SHAPE` alone
#   lowers micro F1 on all three seeds, by about two points on average, many times the baseline's
#   spread, and costs `ZIP`, `URL` and `PRODUCT` beyond their own noise. Its loss is about a third
#   of `NORM only`'s on micro F1 and about a fifth on `URL`, but on `ZIP` it is more than half
#   (the casing report below prints both rows side by side), likely because `dddd` is the
#   plainest sign of a ZIP code. Dropping `PREFIX` and `SUFFIX` alone is within noise on micro F1 and on every label
#   (`URL` falls on average, but not on every seed): the character features back each other up,
#   and only removing all of them costs the full amount.
#   Prices hardly move without `SHAPE`: `$` before the number is a cue in its own right, kept
#   by `NORM` and `PREFIX`.
# - **Smaller tables cost the second most, spread over most labels.** With 20 times fewer rows,
#   every value shares its rows with many more others; micro F1 falls on every seed, by about
#   five points on average, and five labels fall beyond their own noise (`ZIP` and `USERNAME` are
#   not among them), `URL` most, rather than one label carrying the loss.
# - **Within noise on micro F1: `no PREFIX/SUFFIX`, `no NORM`, depth 2, window 2.** `no
#   NORM` costing nothing measurable on micro F1 (only `CONDITION` moves beyond its own noise,
#   and by little) is less odd than it sounds: `PREFIX`, `SUFFIX` and `SHAPE` together
#   pin down most short tokens (for a token of up to three characters the suffix *is* the token).
#   Our posts are short and their cues are near the entity, so on micro F1 the grid cannot tell
#   two encoder layers from four (depth 2 even raises `URL` beyond its own noise), though one
#   layer is too few (below); the shallower encoders train fastest (see the time column), and a
#   wider window only adds time. Depth 2 and window 2 go up on some seeds and down on others.
# - **One close call.** Depth 1 is lower than the baseline on all three seeds, by a bit over a
#   point on average, so the rule calls it real, and its `LOCATION` falls beyond its own noise.
#   But its loss is about as large as the range of its own three seeds, and the bar it clears is
#   the baseline's spread, the narrowest in the grid. More seeds, or a second dev set, would
#   settle whether one layer really costs something on our posts.
#
# These are dev scores of a model trained for two epochs on 1,342 posts; with more data or more
# epochs the ranking can change. The method is what carries over: one change at a time, paired
# seeds, and a difference called real only when it beats the noise.

# %% [markdown]
# ### Exercise 04.6 · Change the encoder depth and retrain
#
# Changing one hyperparameter is one entry in the config passed to `add_pipe`. Complete
# `make_ner` so that it builds a blank English pipeline whose `ner` encoder has `depth` layers
# and knows every label in `LABELS`. The check builds it with two depths, then trains the
# depth-3 model for a few updates on one post.

# %%
LABELS = list(settings.LABELS)

# %% tags=["exercise"]
# Exercise 04.6
def make_ner(depth):
    """A blank English pipeline with an untrained ner whose encoder has `depth` layers."""
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner", config={"model": {"tok2vec": ____}})
    for label in LABELS:
        ____
    return nlp


# %%
exercises.check("04.6", make_ner)

# %% [markdown]
# ## Transformers in the same frame
#
# A transformer fills the four steps differently. It **embeds** wordpieces, pieces of words from
# a fixed vocabulary of about 30,000, plus their positions; it **encodes** with self-attention,
# where every layer lets every piece look at every other piece with learned weights, so *attend*
# happens inside every layer; in spaCy, the **predict** step stays the same transition-based
# parser, reading the transformer's vectors instead of the CNN's.
#
# Notebook 07 fine-tunes `all-MiniLM-L6-v2`. Here is our post under its tokenizer:

# %%
from transformers import AutoTokenizer

from course import resources

tokenizer = AutoTokenizer.from_pretrained(resources.minilm_path())
pieces = tokenizer.tokenize(POST)
print(len(doc), "spaCy tokens →", len(pieces), "wordpieces:", " ".join(pieces))

# %% [markdown]
# Unknown words are split into known pieces (`##` marks a piece that continues a word). The
# parser needs one vector per *spaCy* token, so spacy-transformers **aligns** the two
# tokenisations by character offsets (`spacy_transformers.align`) and pools the vectors of
# each token's pieces (by default, their mean). The alignment for our post:

# %%
inside.wordpiece_table(doc, tokenizer).T

# %% [markdown]
# Position 0 is the `[CLS]` piece the tokenizer adds at the start; no spaCy token uses it.
#
# Two facts about this particular model matter for NER on our posts:
#
# - **It is uncased.** Its tokenizer lower-cases everything before splitting, so `RTX` and `rtx`
#   are the same pieces, and the model never sees the capitals that mark brands, model names and
#   `[USA-TX]`:

# %%
print("lower-cases its input:", tokenizer.do_lower_case if hasattr(tokenizer, "do_lower_case")
      else tokenizer.backend_tokenizer.normalizer is not None)
print(tokenizer.tokenize("EVGA RTX 3080") == tokenizer.tokenize("evga rtx 3080"))

# %% [markdown]
# - **It was trained for sentence similarity**, to give whole sentences similar vectors when
#   they mean similar things. Nothing in that training asked it to tell the token that *is* a
#   price from the words around it; NER must teach that during fine-tuning, from our 1,342
#   training posts.
#
# Casing is a real cue for our labels. In the CNN, `NORM` is lower-cased too, and the case
# information lives in `SHAPE` (`XXX`, `Xxxxx`) and in `PREFIX`/`SUFFIX`, which keep the
# original case. The **NORM only** row of the ablation is therefore the closest the CNN gets
# to an uncased model:

# %%
print(inside.casing_report(stored["runs"]))

# %% [markdown]
# Read this with care. `NORM only` removes the case-bearing attributes, but it also removes all
# the subword information, so its loss is what case *and* character patterns are worth together;
# `no SHAPE` removes the most explicit case feature, while `PREFIX` and `SUFFIX` still carry
# the case of the first and last characters. Our grid cannot separate case from characters;
# the clean test would be a variant whose attributes are all lower-cased. What the numbers do
# show is which labels lean on these attributes: `ZIP` above all, then `URL`, then `LOCATION`
# and `PRODUCT`, whose spans usually start with a capital (`Seattle`, `EVGA`). A transformer
# brings a lot of general knowledge to make up for that, but it starts without this cue;
# notebook 07 measures what it does on our posts.

# %% [markdown]
# ## Summary
#
# - Read spaCy's NER as *embed, encode, attend, predict*: `MultiHashEmbed` embeds, the
#   `MaxoutWindowEncoder` (a CNN) encodes, a transition-based parser predicts, and *attend* is
#   only the parser picking the vectors of a few tokens its state points at.
# - `MultiHashEmbed` embeds `NORM`, `PREFIX`, `SUFFIX` and `SHAPE`, each hashed into four rows of
#   its own table that are summed: small tables, no out-of-vocabulary words, almost no complete
#   collisions. `embed_size` sets the rows (`NORM` gets it, the others half).
# - Each encoder layer widens the view by `window_size` tokens on each side: `window_size ×
#   depth` in all, four with the defaults.
# - The parser consumes one token per action (`B`, `I`, `L`, `U`, `O` per label) and only allows
#   valid actions, so entities never overlap and are always complete.
# - Ablations must be compared like with like, with several seeds: a difference smaller than
#   the spread between seeds is noise.
# - A transformer replaces embed and encode (wordpieces, self-attention) and keeps spaCy's parser;
#   all-MiniLM-L6-v2 is uncased and made for sentence similarity.
#
# ## Quiz

# %%
quiz.show("04_inside_the_model")

# %% [markdown]
# **Next:** [05 · Evaluation: precision, recall, F1 and honest numbers →](05_evaluation.ipynb)

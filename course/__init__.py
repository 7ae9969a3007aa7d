"""Helpers for the hands-on course on custom named-entity recognition with spaCy.

The notebooks teach; this package holds the logic they import:

- data: `annotations` (validate, fix, Docs), `formats` (six file formats), `files` (atomic writes)
- models: `train`, `evaluate`, `rules` (EntityRuler patterns), `augment`, `finetune`, `resources`
- people: `annotator` and `annotation_session` (in-notebook annotation), `active` (model-assisted
  annotation), `predict` (beam confidence), `serve` (HTTP API), `monitor` (thresholds, review
  queue, drift)
- teaching: `quiz` (+ `quiz_bank`, `quiz_progress`), `check` (exercise checks), `viz`, `colors`
- plumbing: `settings` (fast/learner mode, paths, seeds), `errors` (every code), `cli` (the
  `python -m course` commands; no library module imports it)
"""

__version__ = "0.1.0"

"""Helpers for the hands-on course on custom named-entity recognition with spaCy.

The notebooks teach; this package holds the logic they import: annotation
validation (`annotations`), file formats (`formats`), training (`train`),
evaluation (`evaluate`), quizzes (`quiz`), exercise checks (`check`),
visualisation (`viz`) and pretrained resources (`resources`).
"""
__version__ = "0.1.0"

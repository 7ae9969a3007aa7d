"""Annotate posts inside the notebook: click tokens, pick a label, accept model suggestions.

    ann = Annotator(OUT / "my_posts.jsonl", posts=active.pre_annotate(nlp, texts))
    ann                                   # the widget (JupyterLab)
    ann.select_text("RTX 3080"); ann.add("PRODUCT"); ann.done()   # the same, headless

Click the first token of an entity, then its last token (one click is enough for a
one-token entity), choose a label and press **Add span**: spans always cover whole tokens. Model
suggestions come with their confidence; accept or reject them one by one or all at once.
**Done** marks the post as annotated and moves to the next one still to do. Every change
is validated (an overlap is refused with a message in the status line) and saved
atomically through `course.annotation_session.Session`; reopening the file resumes
where you left off. One annotator per file: if the file changes behind its back (the cell
run again, a second annotator, a hand edit), it stops writing and says so (N474) — your
changes stay in memory, and `save_as(new_path)` keeps them. Only posts marked done go into training (`annotated()`).

Headless API (what the buttons call): `click(i)`, `select(start, end)`,
`select_text(text)`, `add(label)`, `delete(i)`, `accept(i=None)`, `reject(i=None)`,
`undo()`, `next()`, `prev()`, `goto(i)`, `done()`, `skip()`, `save()`, `save_as(path)`; read `message`,
`position`, `spans`, `suggestions`, `progress()`, `records`, `annotated()`.

Stable DOM hooks (CSS classes, for browser tests and custom styling):
`course-annotator` (the whole widget), `course-annotator-token` (one button per token;
selected ones also have `course-annotator-token-selected`), `course-annotator-label`
(the label picker: toggle buttons named after the labels), `course-annotator-add`,
`course-annotator-delete`, `course-annotator-accept`, `course-annotator-reject`,
`course-annotator-accept-all`, `course-annotator-undo`, `course-annotator-prev`,
`course-annotator-next`, `course-annotator-done`, `course-annotator-skip`,
`course-annotator-progress` (the "post n of N" line) and `course-annotator-status`
(the message after each action).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from typing import Any

import ipywidgets as widgets
from spacy.language import Language

from .annotation_session import STATUSES, AnnotatorError, Session
from .annotations import Record
from .colors import LABEL_COLORS
from .settings import LABELS

__all__ = ["Annotator", "AnnotatorError", "Session", "STATUSES"]
SELECTED_COLOR = "#ffd54f"
SUGGESTED_COLOR = "#e8e8e8"
_OK, _NO = "color:#1a7f37", "color:#b3261e"


def _button(
    description: str, css: str, tooltip: str = "", style: str = "", layout: widgets.Layout | None = None
) -> widgets.Button:
    button = widgets.Button(
        description=description,
        tooltip=tooltip or description,
        button_style=style,
        layout=layout or widgets.Layout(width="auto"),
    )
    button.add_class(css)
    return button


class Annotator(widgets.VBox):
    """A token-clicking NER annotator backed by a crash-safe JSONL file.

    path (str | PathLike): the annotation file (resumed if it exists).
    posts (Sequence[str | Record] | None): texts or records with "suggestions" for a new file.
    labels (Iterable[str]): the label buttons, in order.
    nlp (Language | None): tokenizer defining token boundaries (blank English if None).
    The text/plain repr (`render_text()`) shows only the post, its spans and the progress,
    so that it stays the same whichever model made the suggestions.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        posts: Sequence[str | Record] | None = None,
        *,
        labels: Iterable[str] = LABELS,
        nlp: Language | None = None,
    ) -> None:
        super().__init__()
        self.session = Session(path, posts, labels=labels, nlp=nlp)
        self.selection: tuple[int, int] | None = None
        self._anchor: int | None = None
        self.add_class("course-annotator")
        self._auto = widgets.Layout(width="auto")  # one layout shared by every button
        self.progress_line = widgets.HTML()
        self.progress_line.add_class("course-annotator-progress")
        self.preview = widgets.HTML()
        self.token_box = widgets.Box(layout=widgets.Layout(flex_flow="row wrap"))
        # Widgets are reused, never rebuilt: each one created stays in a saved notebook's widget state.
        self.token_buttons: list[widgets.Button] = []
        self._token_pool: list[widgets.Button] = []
        self._rows_pool: dict[bool, list[tuple[widgets.HBox, widgets.HTML]]] = {False: [], True: []}
        self._none = widgets.HTML("<i>none</i>")
        self.label_picker = widgets.ToggleButtons(
            options=list(self.session.labels), value=self.session.labels[0], style={"button_width": "auto"}
        )
        self.label_picker.add_class("course-annotator-label")
        self.add_button = _button(
            "Add span", "course-annotator-add", "add the selected tokens with the chosen label", "primary", self._auto
        )
        self.accept_all_button = _button("Accept all suggestions", "course-annotator-accept-all", layout=self._auto)
        self.undo_button = _button("↶ Undo", "course-annotator-undo", layout=self._auto)
        self.prev_button = _button("◀ Previous", "course-annotator-prev", layout=self._auto)
        self.next_button = _button("Next ▶", "course-annotator-next", layout=self._auto)
        self.done_button = _button("✓ Done, next post", "course-annotator-done", style="success", layout=self._auto)
        self.skip_button = _button(
            "Skip post", "course-annotator-skip", "leave this post out of training", layout=self._auto
        )
        self.spans_box, self.suggestions_box = widgets.VBox(), widgets.VBox()
        self.status = widgets.HTML()
        self.status.add_class("course-annotator-status")
        for button, action in [
            (self.add_button, lambda: self.add()),
            (self.accept_all_button, lambda: self.accept()),
            (self.undo_button, self.undo),
            (self.prev_button, self.prev),
            (self.next_button, self.next),
            (self.done_button, self.done),
            (self.skip_button, self.skip),
        ]:
            button.on_click(lambda _b, act=action: act())
        howto = widgets.HTML(
            "<small>Click the first token of an entity, then its last one (for a one-token "
            "entity one click is enough); choose a label; press <b>Add span</b>.</small>"
        )
        self.children = (
            self.progress_line,
            self.preview,
            self.token_box,
            howto,
            widgets.HBox([self.label_picker, self.add_button]),
            widgets.HTML("<b>Spans</b>"),
            self.spans_box,
            widgets.HTML("<b>Model suggestions</b>"),
            self.suggestions_box,
            widgets.HBox([self.prev_button, self.undo_button, self.skip_button, self.done_button, self.next_button]),
            self.status,
        )
        self._shown = -1
        self._refresh()

    # --- headless API ------------------------------------------------------------------
    @property
    def message(self) -> str:
        """RETURNS (str): what the last action did, or why it was refused."""
        return self.session.message

    @property
    def position(self) -> int:
        """RETURNS (int): the current post, counting from 0."""
        return self.session.position

    @property
    def spans(self) -> list[tuple[str, str]]:
        """RETURNS (list[tuple[str, str]]): (text, label) of the current post's entities."""
        text = self.session.record["text"]
        return [(text[s:e], label) for s, e, label in self.session.record["entities"]]

    @property
    def suggestions(self) -> list[tuple[str, str, float]]:
        """RETURNS (list[tuple[str, str, float]]): (text, label, confidence) of pending suggestions."""
        text = self.session.record["text"]
        return [
            (text[s[0] : s[1]], s[2], float(s[3]) if len(s) > 3 else 1.0) for s in self.session.record["suggestions"]
        ]

    @property
    def records(self) -> list[Record]:
        """RETURNS (list[Record]): every post as saved (status and suggestions included)."""
        return [dict(r) for r in self.session.records]

    def progress(self) -> tuple[int, int]:
        """RETURNS (tuple[int, int]): (posts done or skipped, all posts)."""
        return self.session.progress()

    def annotated(self) -> list[Record]:
        """RETURNS (list[Record]): canonical records of the posts marked done."""
        return self.session.annotated()

    def click(self, index: int) -> None:
        """Click token #index: the first click starts a selection, the second ends it."""
        if self._anchor is None:
            self._anchor, self.selection = index, (index, index + 1)
        else:
            self.selection = (min(self._anchor, index), max(self._anchor, index) + 1)
            self._anchor = None
        self._refresh()

    def select(self, start: int, end: int | None = None) -> None:
        """Select tokens [start, end) (end None: only token `start`)."""
        self._anchor, self.selection = None, (start, start + 1 if end is None else end)
        self._refresh()

    def select_text(self, text: str, occurrence: int = 1) -> bool:
        """Select the tokens covering the `occurrence`-th appearance of `text`.

        RETURNS (bool): whether `text` occurs there as whole tokens (else N453 in `message`).
        """
        post, start = self.session.record["text"], -1
        for _ in range(occurrence):
            start = post.find(text, start + 1)
            if start < 0:
                break
        tokens = self.session.token_span(start, start + len(text)) if start >= 0 and text.strip() else None
        if tokens is None:
            return self._do(self.session.refuse("N453", text=text))
        self.select(*tokens)
        return True

    def add(self, label: str | None = None) -> bool:
        """Add the selection as a span with `label` (None: the label chosen in the picker)."""
        if label is not None and label in self.session.labels:
            self.label_picker.value = label
        if self.selection is None:
            ok = self.session.refuse("N450")
        else:
            ok = self.session.add(*self.selection, label or self.label_picker.value)
        if ok:
            self.selection = self._anchor = None
        self._refresh()
        return ok

    def delete(self, index: int) -> bool:
        """Delete span #index of the current post."""
        return self._do(self.session.delete(index))

    def accept(self, index: int | None = None) -> bool:
        """Accept suggestion #index, or all suggestions when None."""
        return self._do(self.session.accept(index))

    def reject(self, index: int | None = None) -> bool:
        """Reject suggestion #index, or all suggestions when None."""
        return self._do(self.session.reject(index))

    def undo(self) -> bool:
        """Revert the last change."""
        return self._do(self.session.undo())

    def goto(self, index: int) -> bool:
        """Show post #index."""
        return self._do(self.session.goto(index))

    def next(self) -> bool:
        """Show the next post (without changing this one's status)."""
        return self.goto(min(self.position + 1, len(self.session.records) - 1))

    def prev(self) -> bool:
        """Show the previous post."""
        return self.goto(max(self.position - 1, 0))

    def done(self) -> bool:
        """Mark this post done and show the next post still to do."""
        return self._finish("done")

    def skip(self) -> bool:
        """Mark this post skipped (left out of training) and show the next post still to do."""
        return self._finish("skipped")

    def save(self) -> bool:
        """Write the file now (needed only after a failed save)."""
        return self._do(self.session.save())

    def save_as(self, path: str | os.PathLike) -> bool:
        """Write every post to a new file and keep annotating there (e.g. after N474: the
        file was changed by another writer)."""
        return self._do(self.session.save_as(path))

    def render_text(self) -> str:
        """RETURNS (str): progress, post text and spans as plain text (deterministic)."""
        lines = [f"Annotator · {self.session.progress_text()} · {self.session.path.name}", self.session.record["text"]]
        lines += [f"  {label:<9} {text!r}" for text, label in self.spans] or ["  (no spans yet)"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Annotator({self.session.path.name!r}, {self.session.progress_text()})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["text/plain"] = self.render_text()
        return data

    # --- drawing -----------------------------------------------------------------------
    def _finish(self, status: str) -> bool:
        ok = self.session.set_status(status)
        if ok:
            message = self.session.message
            self.session.goto(self.session.next_todo())
            left = self.session.progress()
            self.session.message = message + (" · all posts are done" if left[0] == left[1] else "")
        return self._do(ok)

    def _do(self, ok: bool) -> bool:
        self._refresh()
        return ok

    def _refresh(self) -> None:
        s = self.session
        if self._shown != s.position:
            self.selection = self._anchor = None
            self._shown = s.position
            tokens = s.tokens()
            while len(self._token_pool) < len(tokens):
                i = len(self._token_pool)
                button = _button("", "course-annotator-token", f"token {i}", layout=self._auto)
                button.on_click(lambda _b, i=i: self.click(i))
                self._token_pool.append(button)
            self.token_buttons = self._token_pool[: len(tokens)]
            for button, (text, _, _) in zip(self.token_buttons, tokens):
                button.description = text
            self.token_box.children = [b for b, (t, _, _) in zip(self.token_buttons, tokens) if t.strip()]
        done, total = s.progress()
        status = s.record["status"]
        self.progress_line.value = (
            f"<b>Post {s.position + 1} of {total}</b> · {done} done · "
            f"this post: {status} · file <code>{html.escape(s.path.name)}</code>"
        )
        self._colour_tokens()
        self.spans_box.children = self._rows(s.record["entities"], suggested=False)
        self.suggestions_box.children = self._rows(s.record["suggestions"], suggested=True)
        self.accept_all_button.disabled = not s.record["suggestions"]
        self.preview.value = f'<div style="line-height:2">{self._preview_html()}</div>'
        colour = _NO if s.message.startswith("✗") else _OK
        self.status.value = f'<span style="{colour}">{html.escape(s.message, quote=False)}</span>'

    def _colour_tokens(self) -> None:
        s, colours = self.session, {}
        for spans, suggested in ((s.record["suggestions"], True), (s.record["entities"], False)):
            for span in spans:
                tokens = s.token_span(span[0], span[1])
                for i in range(*(tokens or (0, 0))):
                    colours[i] = SUGGESTED_COLOR if suggested else LABEL_COLORS.get(span[2], "#dddddd")
        for i, button in enumerate(self.token_buttons):
            selected = self.selection is not None and self.selection[0] <= i < self.selection[1]
            button.style.button_color = SELECTED_COLOR if selected else colours.get(i)
            (button.add_class if selected else button.remove_class)("course-annotator-token-selected")

    def _rows(self, spans: list, suggested: bool) -> list[widgets.Widget]:
        text, pool = self.session.record["text"], self._rows_pool[suggested]
        while len(pool) < len(spans):
            i, label = len(pool), widgets.HTML()
            if suggested:
                yes = _button("✓ accept", "course-annotator-accept", layout=self._auto)
                no = _button("✗ reject", "course-annotator-reject", layout=self._auto)
                yes.on_click(lambda _b, i=i: self.accept(i))
                no.on_click(lambda _b, i=i: self.reject(i))
                pool.append((widgets.HBox([label, yes, no]), label))
            else:
                gone = _button("✕ delete", "course-annotator-delete", layout=self._auto)
                gone.on_click(lambda _b, i=i: self.delete(i))
                pool.append((widgets.HBox([label, gone]), label))
        for (_, label), span in zip(pool, spans):
            conf = f" · confidence {float(span[3]):.2f}" if suggested and len(span) > 3 else ""
            label.value = (
                f"<b>{html.escape(span[2])}</b> {html.escape(repr(text[span[0] : span[1]]))}"
                f" <small>[{span[0]}, {span[1]}){conf}</small>"
            )
        return [row for row, _ in pool[: len(spans)]] or [self._none]

    def _preview_html(self) -> str:
        text, out, pos = self.session.record["text"], [], 0
        for s, e, label in sorted(self.session.record["entities"]):
            colour = LABEL_COLORS.get(label, "#dddddd")
            out += [
                html.escape(text[pos:s]),
                f'<mark style="background:{colour};padding:2px 4px;border-radius:4px">'
                f'{html.escape(text[s:e])} <b style="font-size:0.7em">{html.escape(label)}</b></mark>',
            ]
            pos = e
        return "".join(out + [html.escape(text[pos:])])

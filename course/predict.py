"""Entity confidence and post uncertainty from beam search (used by serve, monitor, active).

Confidence comes from **beam search over the normal `ner` component**. spaCy's
transition-based `ner` predicts greedily, one action per token, and keeps no
probability for the entities it finds. Its `beam_parse` method can still follow the
`beam_width` best action sequences with the same trained weights; each finished parse
gets a probability (normalised over the beam), and adding up the probability of every
parse that contains a given entity is what `EntityRecognizer.scored_ents` does (we do
the same from `moves.get_beam_parses`, which also gives the best parse). So, with no
change to training:

* an entity's **confidence** is the share of beam probability on parses that contain
  exactly that span with that label (1.0: every parse agrees; near 0: only a few do);
* a post's **uncertainty** is `1 - P(best parse)`, the "least confidence" of the whole
  post: 0 when one reading dominates, higher when several readings compete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from .errors import TrainingError

BEAM_WIDTH = 16
BEAM_DENSITY = 0.0001
Scored = tuple[int, int, str, float]  # start char, end char (exclusive), label, confidence


@dataclass
class Prediction:
    """One post as the model sees it.

    text (str): the post.
    entities (list[Scored]): the greedy prediction (what `nlp(text)` returns), each with
        its beam confidence (0.0 if no parse in the beam contains it).
    candidates (list[Scored]): every span any parse in the beam proposed, best first.
    uncertainty (float): 1 - probability of the best parse in the beam.
    """

    text: str
    entities: list[Scored]
    candidates: list[Scored]
    uncertainty: float

    def suggestions(self) -> list[list]:
        """RETURNS (list[list]): [start, end, label, confidence] per entity, for the annotator."""
        return [[s, e, label, round(conf, 3)] for s, e, label, conf in self.entities]


def ner_name(nlp: Language) -> str:
    """RETURNS (str): the name of the pipeline's entity recognizer. RAISES TrainingError: N405."""
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory in ("ner", "beam_ner"):
            return name
    raise TrainingError("N405")


def predict(
    nlp: Language, texts: Iterable[str], *, beam_width: int = BEAM_WIDTH, batch_size: int = 64
) -> list[Prediction]:
    """Run the pipeline and score its entities with beam search.

    nlp (Language): a pipeline with a `ner` (or `beam_ner`) component.
    texts (Iterable[str]): the posts.
    beam_width (int): parses followed by the beam (more: smoother scores, slower).
    batch_size (int): posts per batch.
    RETURNS (list[Prediction]): one per text, in order.
    RAISES TrainingError: N405 if there is no entity recognizer.
    """
    name = ner_name(nlp)
    ner = nlp.get_pipe(name)
    texts = list(texts)
    before = nlp.pipe_names[: nlp.pipe_names.index(name)]
    results: list[Prediction] = []
    for i in range(0, len(texts), batch_size):
        chunk = texts[i : i + batch_size]
        full = list(nlp.pipe(chunk))
        inputs = list(nlp.pipe(chunk, disable=[n for n in nlp.pipe_names if n not in before]))
        scored = _beam_scores(ner, inputs, beam_width)
        for doc, ents, (p_best, spans) in zip(full, inputs, scored):
            by_chars = {(ents[s:e].start_char, ents[s:e].end_char, label): p for (s, e, label), p in spans.items()}
            entities = [
                (e.start_char, e.end_char, e.label_, _clip(by_chars.get((e.start_char, e.end_char, e.label_), 0.0)))
                for e in doc.ents
            ]
            candidates = sorted(
                ((s, e, label, _clip(p)) for (s, e, label), p in by_chars.items()),
                key=lambda c: (-c[3], c[0], c[1], c[2]),
            )
            results.append(Prediction(doc.text, entities, candidates, _clip(1.0 - p_best)))
    return results


def _clip(p: float) -> float:
    return float(min(1.0, max(0.0, p)))


def _beam_scores(ner, docs: list[Doc], beam_width: int) -> list[tuple[float, dict]]:
    """(P(best parse), {(start token, end token, label): probability}) per doc."""
    out: list[tuple[float, dict]] = [(1.0, {}) for _ in docs]
    live = [i for i, doc in enumerate(docs) if len(doc)]
    if not live:
        return out
    beams = ner.beam_parse([docs[i] for i in live], beam_width=beam_width, beam_density=BEAM_DENSITY)
    for i, beam in zip(live, beams):
        parses = ner.moves.get_beam_parses(beam)
        spans: dict = {}
        for prob, ents in parses:
            for ent in ents:
                spans[ent] = spans.get(ent, 0.0) + float(prob)
        out[i] = (max((float(p) for p, _ in parses), default=1.0), spans)
    return out

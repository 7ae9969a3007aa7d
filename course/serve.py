"""Serve a trained NER pipeline over HTTP with FastAPI.

    app = create_app("output/capstone/model")        # loads the model once
    with run_in_thread(app) as server:               # uvicorn on 127.0.0.1, a free port
        httpx.post(server.url + "/entities", json={"text": "[H] RTX 3080 [W] $450"})

Endpoints:

* `GET /health` → `{"status": "ok", "model": NAME, "labels": [...], "threshold": T}`
* `POST /entities` with `{"text": "..."}` → `{"text", "entities": [{"text", "label",
  "start", "end", "confidence"}], "needs_review": bool, "review_reasons": [...]}`.
  `start`/`end` are character offsets (end exclusive), `confidence` the beam
  probability from `course.predict.predict`, and `needs_review` follows
  `course.monitor.review_reasons` with the app's threshold.
* Bad input → 422 with `{"error": "N465", "detail": "N465 invalid request: ... — send
  JSON like ...", "problems": [{"field", "message"}]}`: a body that is not JSON (or not
  UTF-8, or nested too deeply to parse), no `text`, a text that is empty or only
  whitespace and invisible characters (zero-width spaces), longer than `max_chars`
  characters, longer than `max_tokens` tokens, or with a run of more than
  `MAX_WORD_CHARS` characters without a space.

Limits and their reasons: beam scoring costs more than linear time in the number of
tokens, a text of `$` signs or emoji has one token per character, and the tokenizer's
affix splitting costs quadratic time in the length of a run without spaces, so a character
limit alone let one 5 KB request cost seconds of CPU. `MAX_TOKENS` (512, seven times the
longest post in data/) and `MAX_WORD_CHARS` (200 characters without a space; the longest
in data/ has 35) bound that; bench/serve_memory.py measures it. Each request is
processed inside spaCy's `nlp.memory_zone()`, which frees the strings and lexemes of
words the model had never seen when the request is answered, so memory stays flat
however many new words arrive; requests take turns (a lock), because memory zones on one
vocab must not overlap.
"""

# No `from __future__ import annotations` here: FastAPI must see the request model class
# defined inside create_app, not the string "EntitiesRequest".
import socket
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from spacy.language import Language

from .errors import CourseError
from .monitor import DEFAULT_THRESHOLD, review_reasons
from .predict import predict

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer

MAX_CHARS = 5000
MAX_TOKENS = 512
MAX_WORD_CHARS = 200  # characters without a space: the tokenizer's affix splitting is quadratic in them
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}  # controls, format characters (zero-width space, BOM), separators


class ServeError(CourseError, RuntimeError):
    """The HTTP server could not be started or reached."""


def entities(nlp: Language, text: str) -> list[dict[str, Any]]:
    """RETURNS (list[dict]): text, label, start, end, confidence of each entity in `text`."""
    pred = predict(nlp, [text])[0]
    return [
        {"text": text[s:e], "label": label, "start": s, "end": e, "confidence": round(conf, 3)}
        for s, e, label, conf in pred.entities
    ]


def visible(text: str) -> bool:
    """RETURNS (bool): whether `text` has a character that is neither whitespace nor invisible."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in text)


def _invalid(problems: list[dict[str, str]]):
    """RETURNS (JSONResponse): the documented 422 body for these problems."""
    from fastapi.responses import JSONResponse

    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    err = CourseError("N465", problem=summary)
    return JSONResponse(status_code=422, content={"error": "N465", "detail": err.line(), "problems": problems})


def create_app(
    model: Language | str | Path,
    *,
    name: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    max_chars: int = MAX_CHARS,
    max_tokens: int | None = MAX_TOKENS,
    bounded_memory: bool = True,
):
    """Build the FastAPI app around one pipeline, loaded once here (not per request).

    model (Language | str | Path): a pipeline, or the folder it was saved to.
    name (str | None): model name reported by /health (default: folder or pipeline name).
    threshold (float): entities below this confidence send the post to review.
    max_chars (int): longest text accepted, in characters.
    max_tokens (int | None): longest text accepted, in tokens (None: no limit, only for
        measurements: one long text of `$` then costs seconds).
    bounded_memory (bool): process each request in `nlp.memory_zone()`, so words never
        seen before do not stay in the vocab (False only to measure the difference).
    RETURNS (FastAPI): the application; run it with uvicorn or `run_in_thread`.
    RAISES TrainingError: N401/N402/N405 if the folder does not hold an NER pipeline.
    """
    from fastapi import FastAPI, Request
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from pydantic import BaseModel, Field, field_validator
    from starlette.exceptions import HTTPException

    if not isinstance(model, Language):
        from .train import load_model

        name = name or Path(model).name
        model = load_model(model)
    nlp: Language = model
    name = name or nlp.meta.get("name", "ner")
    labels = sorted(cast("EntityRecognizer", nlp.get_pipe("ner")).labels) if "ner" in nlp.pipe_names else []

    class EntitiesRequest(BaseModel):
        text: str = Field(..., max_length=max_chars, description="one post, plain text")

        @field_validator("text")
        @classmethod
        def not_blank(cls, value: str) -> str:
            if not visible(value):
                raise ValueError(
                    "the text is empty or only whitespace and invisible characters (such as zero-width spaces)"
                )
            return value

    app = FastAPI(
        title="Marketplace NER",
        version="1.0",
        description="Products, prices, locations and more from second-hand hardware posts.",
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body",
                "message": err.get("msg", "invalid"),
            }
            for err in exc.errors()
        ]
        return _invalid(problems)

    @app.exception_handler(HTTPException)
    async def unparsable(request: Request, exc: HTTPException) -> Response:
        if exc.status_code != 400:  # 404, 405 ...: FastAPI's own answer
            return await http_exception_handler(request, exc)
        # FastAPI answers 400 "error parsing the body" for bytes that are not UTF-8 and for
        # JSON nested too deeply; any other broken JSON is a 422 already
        return _invalid(
            [
                {
                    "field": "body",
                    "message": "the body could not be parsed: send UTF-8 JSON (an object, not nested deeply)",
                }
            ]
        )

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "model": name, "labels": labels, "threshold": threshold}

    turn = threading.Lock()  # memory zones on one vocab must not overlap: one request at a time

    @app.post("/entities")
    def find_entities(request: EntitiesRequest) -> Any:
        longest = max((len(word) for word in request.text.split()), default=0) if max_tokens is not None else 0
        if longest > MAX_WORD_CHARS:  # checked before tokenizing: 5,000 `$` take seconds to tokenize
            return _invalid(
                [
                    {
                        "field": "text",
                        "message": f"the text has a run of {longest} characters without "
                        f"a space, at most {MAX_WORD_CHARS} are accepted",
                    }
                ]
            )
        with turn, nlp.memory_zone() if bounded_memory else nullcontext():
            n_tokens = len(nlp.make_doc(request.text)) if max_tokens is not None else 0
            if max_tokens is not None and n_tokens > max_tokens:
                return _invalid(
                    [
                        {
                            "field": "text",
                            "message": f"the text has {n_tokens} tokens, at most {max_tokens} "
                            "are accepted; split it into shorter posts",
                        }
                    ]
                )
            found = entities(nlp, request.text)  # plain Python data: valid after the zone ends
        reasons = review_reasons(found, threshold)
        return {"text": request.text, "entities": found, "needs_review": bool(reasons), "review_reasons": reasons}

    return app


class Server:
    """A uvicorn server running in a background thread (see `run_in_thread`).

    url (str): base URL, e.g. "http://127.0.0.1:PORT" (do not print it in notebooks).
    """

    def __init__(self, app, host: str = "127.0.0.1") -> None:
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, 0))  # port 0: the operating system picks a free port
        self.url = f"http://{host}:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self, timeout: float = 15.0) -> "Server":
        """Start serving and wait until /health answers. RAISES ServeError: N466 after `timeout`."""
        import httpx

        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.started:
                try:
                    if httpx.get(self.url + "/health", timeout=2.0).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            if not self.thread.is_alive():
                break
            time.sleep(0.05)
        self.stop()
        raise ServeError("N466", timeout=timeout)

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask uvicorn to exit and wait for the thread. RETURNS (bool): whether it stopped."""
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
        self.socket.close()
        return not self.thread.is_alive()

    @property
    def running(self) -> bool:
        """RETURNS (bool): whether the server thread is alive."""
        return self.thread.is_alive()


@contextmanager
def run_in_thread(app, timeout: float = 15.0) -> Iterator[Server]:
    """Serve `app` on 127.0.0.1 (a free port) in a background thread for the `with` block.

    timeout (float): seconds to wait until the server answers.
    YIELDS (Server): with `.url`; the server is stopped when the block ends, even on errors.
    RAISES ServeError: N466 if it does not answer in time.
    """
    server = Server(app).start(timeout)
    try:
        yield server
    finally:
        server.stop()

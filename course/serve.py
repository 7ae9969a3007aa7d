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
* Bad input (no JSON, no `text`, an empty or too long text) → 422 with
  `{"error": "E465", "detail": "E465 invalid request: ... — send JSON like ...",
  "problems": [{"field", "message"}]}`.
"""
# No `from __future__ import annotations` here: FastAPI must see the request model class
# defined inside create_app, not the string "EntitiesRequest".
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from spacy.language import Language

from .predict import predict
from .errors import CourseError
from .monitor import DEFAULT_THRESHOLD, review_reasons

MAX_CHARS = 5000


class ServeError(CourseError, RuntimeError):
    """The HTTP server could not be started or reached."""


def entities(nlp: Language, text: str) -> list[dict[str, Any]]:
    """RETURNS (list[dict]): text, label, start, end, confidence of each entity in `text`."""
    pred = predict(nlp, [text])[0]
    return [{"text": text[s:e], "label": label, "start": s, "end": e, "confidence": round(conf, 3)}
            for s, e, label, conf in pred.entities]


def create_app(model: Language | str | Path, *, name: str | None = None,
               threshold: float = DEFAULT_THRESHOLD, max_chars: int = MAX_CHARS):
    """Build the FastAPI app around one pipeline, loaded once here (not per request).

    model (Language | str | Path): a pipeline, or the folder it was saved to.
    name (str | None): model name reported by /health (default: folder or pipeline name).
    threshold (float): entities below this confidence send the post to review.
    max_chars (int): longest text accepted.
    RETURNS (FastAPI): the application; run it with uvicorn or `run_in_thread`.
    RAISES TrainingError: E401/E402/E405 if the folder does not hold an NER pipeline.
    """
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field, field_validator

    if not isinstance(model, Language):
        from .train import load_model

        name = name or Path(model).name
        model = load_model(model)
    nlp: Language = model
    name = name or nlp.meta.get("name", "ner")
    labels = sorted(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else []

    class EntitiesRequest(BaseModel):
        text: str = Field(..., max_length=max_chars, description="one post, plain text")

        @field_validator("text")
        @classmethod
        def not_blank(cls, value: str) -> str:
            if not value.strip():
                raise ValueError("the text is empty or only whitespace")
            return value

    app = FastAPI(title="Marketplace NER", version="1.0",
                  description="Products, prices, locations and more from second-hand hardware posts.")

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body",
                     "message": err.get("msg", "invalid")} for err in exc.errors()]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        err = CourseError("E465", problem=summary)
        return JSONResponse(status_code=422, content={"error": "E465", "detail": err.line(), "problems": problems})

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "model": name, "labels": labels, "threshold": threshold}

    @app.post("/entities")
    def find_entities(request: EntitiesRequest) -> dict[str, Any]:
        found = entities(nlp, request.text)
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
        """Start serving and wait until /health answers. RAISES ServeError: E466 after `timeout`."""
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
        raise ServeError("E466", timeout=timeout)

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
    RAISES ServeError: E466 if it does not answer in time.
    """
    server = Server(app).start(timeout)
    try:
        yield server
    finally:
        server.stop()

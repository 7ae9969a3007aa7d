"""course/serve.py: the FastAPI app (in-process client) and a real server on 127.0.0.1."""

from __future__ import annotations

import warnings

import httpx
import pytest

from course import serve
from course.errors import TrainingError
from tiny_ner import LABELS, SCRAMBLED, tiny_model

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about its httpx backend
    from fastapi.testclient import TestClient

POST = "Selling my Steam Deck for $120 in Denver"


@pytest.fixture(scope="module")
def app():
    return serve.create_app(tiny_model(), name="tiny", threshold=0.8)


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model": "tiny", "labels": sorted(LABELS), "threshold": 0.8}


def test_entities_have_text_label_offsets_and_confidence(client):
    response = client.post("/entities", json={"text": POST})
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == POST
    assert [(e["text"], e["label"]) for e in body["entities"]] == [
        ("Steam Deck", "PRODUCT"),
        ("$120", "PRICE"),
        ("Denver", "LOCATION"),
    ]
    for ent in body["entities"]:
        assert POST[ent["start"] : ent["end"]] == ent["text"]
        assert set(ent) == {"text", "label", "start", "end", "confidence"} and 0 <= ent["confidence"] <= 1
    assert body["needs_review"] is False and body["review_reasons"] == []


def test_unsure_or_empty_posts_are_flagged_for_review(client):
    empty = client.post("/entities", json={"text": "bump"}).json()
    assert empty["needs_review"] is True and empty["review_reasons"] == ["no entities found"]
    scrambled = client.post("/entities", json={"text": SCRAMBLED}).json()
    assert isinstance(scrambled["needs_review"], bool)


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        ({"json": {}}, "text", "Field required"),
        ({"json": {"txt": POST}}, "text", "Field required"),
        ({"json": {"text": "   "}}, "text", "empty or only whitespace"),
        ({"json": {"text": 42}}, "text", "valid string"),
        ({"json": {"text": "x" * (serve.MAX_CHARS + 1)}}, "text", f"at most {serve.MAX_CHARS} characters"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "", "JSON"),
        # FastAPI's own answer to these was a bare 400 {"detail": "There was an error parsing the body"}
        ({"content": b'{"text": "\xff\xfe"}', "headers": {"content-type": "application/json"}}, "body", "UTF-8 JSON"),
        (
            {
                "content": b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
                "headers": {"content-type": "application/json"},
            },
            "body",
            "could not be parsed",
        ),
        ({"json": {"text": "\u200b\u200b"}}, "text", "invisible characters"),  # zero-width spaces
        ({"json": {"text": "\u200b \ufeff\n\u2028"}}, "text", "invisible characters"),
        (
            {"json": {"text": " ".join(["$" * 100] * 6)}},
            "text",
            f"has 600 tokens, at most {serve.MAX_TOKENS} are accepted",
        ),
        ({"json": {"text": "$" * (serve.MAX_WORD_CHARS + 1)}}, "text", f"at most {serve.MAX_WORD_CHARS} are accepted"),
    ],
)
def test_bad_input_is_a_422_with_a_clear_message(client, kwargs, field, words):
    response = client.post("/entities", **kwargs)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "N465"
    assert body["detail"].startswith("N465 invalid request: ") and words in body["detail"]
    assert 'send JSON like {"text":' in body["detail"]
    if field:
        assert body["problems"][0]["field"] == field


def test_a_folder_that_is_no_model_is_refused(tmp_path):
    with pytest.raises(TrainingError) as err:
        serve.create_app(tmp_path / "nothing")
    assert err.value.code == "N401"


def test_app_from_a_saved_folder_is_named_after_it(tmp_path):
    tiny_model().to_disk(tmp_path / "capstone-model")
    app = serve.create_app(tmp_path / "capstone-model")
    assert TestClient(app).get("/health").json()["model"] == "capstone-model"


def test_real_server_on_a_free_local_port_answers_and_stops(app):
    with serve.run_in_thread(app, timeout=20) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.running
        response = httpx.post(server.url + "/entities", json={"text": POST}, timeout=10)
        assert response.status_code == 200
        assert [e["label"] for e in response.json()["entities"]] == ["PRODUCT", "PRICE", "LOCATION"]
    assert not server.running and not server.thread.is_alive()
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/health", timeout=2)


def test_a_server_that_never_answers_times_out_with_a_coded_error(app, monkeypatch):
    monkeypatch.setattr(httpx, "get", lambda *a, **k: httpx.Response(503))
    with pytest.raises(serve.ServeError) as err:
        serve.Server(app).start(timeout=0.5)
    assert err.value.code == "N466"


def test_other_http_errors_keep_their_status(client):
    assert client.get("/nowhere").status_code == 404
    assert client.get("/entities").status_code == 405


def test_the_token_limit_bounds_the_cost_of_the_worst_request(client):
    import time

    longest = " ".join(["$" * serve.MAX_WORD_CHARS] * (serve.MAX_TOKENS // serve.MAX_WORD_CHARS))
    assert client.post("/entities", json={"text": longest}).status_code == 200  # within both limits
    worst = {
        "$" * serve.MAX_CHARS: "run of 5000 characters without a space",
        "\U0001f600" * 1250: "run of 1250 characters",  # 5 KB of emoji
        " ".join(["$" * serve.MAX_WORD_CHARS] * 24): f"has {24 * serve.MAX_WORD_CHARS} tokens",
    }
    for text, message in worst.items():
        start = time.process_time()
        response = client.post("/entities", json={"text": text})
        assert response.status_code == 422 and message in response.json()["problems"][0]["message"]
        assert time.process_time() - start < 0.5  # tokenizing + beam scoring 5,000 `$` took 3-5 s here


def test_words_never_seen_before_do_not_stay_in_the_vocab():
    nlp = tiny_model()
    client = TestClient(serve.create_app(nlp, name="tiny"))
    client.post("/entities", json={"text": POST})
    before = len(nlp.vocab.strings)
    for i in range(30):
        body = client.post(
            "/entities", json={"text": f"Selling my Zqx{i}vw Ultra{i}kq for ${i}7 in Qorb{i}ville"}
        ).json()
        assert body["entities"] and all(isinstance(e["text"], str) for e in body["entities"])
    assert len(nlp.vocab.strings) == before
    unbounded = TestClient(serve.create_app(nlp, name="tiny", bounded_memory=False))
    unbounded.post("/entities", json={"text": "Selling my Zqx1vw Ultra1kq for $17 in Qorb1ville"})
    assert len(nlp.vocab.strings) > before  # what every request used to do

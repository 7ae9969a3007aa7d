"""Fixtures for the browser test: a throw-away JupyterLab server and headless Chromium.

`lab` starts `jupyter lab` on 127.0.0.1 (free port, random token) over a temporary copy
of the notebooks, with every network feature off, and stops it and its kernels at the
end. `page` is a fresh Chromium tab (Debian's /usr/bin/chromium driven by Playwright; no
browser download). A SIGALRM deadline turns a stuck run into a failure, and a watchdog
thread kills everything if even that does not get through.
See tests/browser/README.md.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOTEBOOKS = ["01_what_is_ner.ipynb"]  # copied into the server's folder
SERVER_START_TIMEOUT = 60  # s until /api/status must answer
DEADLINE = int(os.environ.get("COURSE_BROWSER_DEADLINE", "360"))  # s for the whole browser session
# JupyterLab user settings: no news/update toasts or requests, every cell in the DOM
# (windowing off, so off-screen outputs can be queried), no extension manager.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}


def _required() -> bool:
    return os.environ.get("COURSE_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    """Skip, or fail when COURSE_REQUIRE_BROWSER=1 (CI) says the browser test must run."""
    if _required():
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


# --- deadline --------------------------------------------------------------------------


class BrowserTestTimeout(Exception):
    """The browser test ran longer than COURSE_BROWSER_DEADLINE seconds."""


_CHILDREN: list[subprocess.Popen] = []  # servers to kill if the watchdog fires
_EXPIRED = threading.Event()  # set once the deadline has passed


def _family(proc: subprocess.Popen) -> list:
    """RETURNS (list[psutil.Process]): every process `proc` started (kernels included)."""
    import psutil  # installed with ipykernel

    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        return []


def _stop(proc: subprocess.Popen, shutdown_url: str | None = None) -> None:
    """Stop the server: politely through its API if given (it shuts its kernels down
    first), then by force, together with whatever it started."""
    import psutil

    family = _family(proc)  # before the server exits: then its kernels would be orphans
    if shutdown_url and proc.poll() is None:
        try:
            urllib.request.urlopen(urllib.request.Request(shutdown_url, method="POST"), timeout=5).close()
            proc.wait(timeout=15)
        except (OSError, http.client.HTTPException, subprocess.TimeoutExpired):
            pass
    for child in family + _family(proc):
        try:
            child.kill()
        except psutil.Error:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the server's own session (start_new_session)
    except (OSError, AttributeError):  # gone already, or not POSIX
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


@pytest.fixture(scope="session", autouse=True)
def deadline() -> Iterator[None]:
    """Fail (not hang) after DEADLINE s; hard-exit 60 s later if the failure cannot get through."""

    def on_alarm(signum, frame):
        _EXPIRED.set()
        raise BrowserTestTimeout(
            f"the browser test did not finish within {DEADLINE} s "
            f"(COURSE_BROWSER_DEADLINE); see the traceback for the step that hung"
        )

    def last_resort() -> None:
        sys.stderr.write(f"\nbrowser test: still stuck {DEADLINE + 60} s after start; killing it\n")
        for proc in _CHILDREN:
            _stop(proc)
        os._exit(3)

    alarm = hasattr(signal, "SIGALRM")  # POSIX; elsewhere only the watchdog guards the run
    if alarm:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(DEADLINE)
    watchdog = threading.Timer(DEADLINE + 60, last_resort)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        if alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        watchdog.cancel()


@pytest.fixture(autouse=True)
def within_deadline(deadline) -> None:
    """Once one test ran out of time, the rest fail at once instead of starting."""
    if _EXPIRED.is_set():
        pytest.fail(f"not started: an earlier browser test used up the {DEADLINE} s deadline", pytrace=False)


# --- JupyterLab server -----------------------------------------------------------------


@dataclass
class Lab:
    """A running JupyterLab. root: its working folder (a copy, safe to write);
    progress: the kernels' COURSE_PROGRESS_FILE (quiz results)."""

    url: str
    token: str
    root: Path
    log: Path
    progress: Path

    def tree(self, notebook: str) -> str:
        """RETURNS (str): the address that opens `notebook` alone (`reset`: no restored tabs)."""
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def log_tail(self, n: int = 40) -> str:
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-n:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_ok(url: str, token: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
            return r.status == 200 and "started" in json.load(r)
    except (OSError, ValueError, http.client.HTTPException):  # not up yet
        return False


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 over a temporary copy of notebook 01, stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="course-browser-test-") as tmp:
        yield from _serve(Path(tmp))


def _serve(base: Path) -> Iterator[Lab]:
    root, home = base / "notebooks", base / "home"
    root.mkdir()
    # Run a copy, never the committed notebook (running all cells rewrites it). The copy has
    # no outputs, so everything the test sees was rendered in this run.
    for name in NOTEBOOKS:
        notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(notebook, root / name)
    settings_dir = home / "lab" / "user-settings"
    for name, value in LAB_SETTINGS.items():
        target = settings_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value), encoding="utf-8")
    env = {
        **os.environ,
        "COURSE_FAST": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # ignore the user's ~/.jupyter
        "JUPYTER_DATA_DIR": str(home / "data"),  # notebook-signing key, not in ~
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab" / "workspaces"),
        "COURSE_PROGRESS_FILE": str(base / "progress.json"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    env.pop("COURSE_INSTRUCTOR", None)  # the learner's view, without the answer key
    token, log = secrets.token_hex(16), base / "jupyter-lab.log"
    for attempt in range(3):  # the free port can be taken before the server binds it
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.terminals_enabled=False",
            f"--LabApp.user_settings_dir={settings_dir}",
            f"--LabApp.workspaces_dir={home / 'lab' / 'workspaces'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        with open(log, "wb") as sink:
            proc = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _CHILDREN.append(proc)
        server = Lab(url, token, root, log, base / "progress.json")
        try:
            problem = _wait_until_up(server, proc)
            if problem and "already in use" in server.log_tail() and attempt < 2:
                continue  # finally: stops it; try another port
            if problem:
                pytest.fail(
                    f"jupyter lab {problem}. The end of its log (all of it: "
                    f"{ARTIFACTS / 'jupyter-lab.log'}):\n{server.log_tail()}",
                    pytrace=False,
                )
            yield server
            return
        finally:
            _stop(proc, f"{url}/api/shutdown?token={token}")
            _CHILDREN.remove(proc)
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(log, ARTIFACTS / "jupyter-lab.log")  # the temp folder goes away


def _wait_until_up(server: Lab, proc: subprocess.Popen) -> str | None:
    """Poll /api/status. RETURNS (str | None): why the server is not up, or None when it is."""
    started = time.monotonic()
    while not _status_ok(server.url, server.token):
        if proc.poll() is not None:
            return f"exited with code {proc.returncode} before it answered {server.url}/api/status"
        if time.monotonic() - started > SERVER_START_TIMEOUT:
            return f"did not answer {server.url}/api/status within {SERVER_START_TIMEOUT} s"
        time.sleep(0.5)
    return None


# --- browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never downloads a browser).

    Checked before the server starts, so a missing browser skips (or fails) at once.
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: install chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, lab: Lab, request: pytest.FixtureRequest):
    """A new tab, 1400x1000, 30 s default timeout. Browser console errors go to the test
    output; on failure, a screenshot goes to artifacts/FAILED_<test>.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    tab = context.new_page()

    def console(message) -> None:
        if message.type == "error":
            print(f"[browser console] {message.text}")

    tab.on("console", console)
    tab.on("pageerror", lambda error: print(f"[page error] {error}"))
    try:
        yield tab
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            try:
                tab.screenshot(path=str(ARTIFACTS / f"FAILED_{request.node.name}.png"), timeout=10_000)
            except Exception as err:  # noqa: BLE001 - the screenshot is a bonus
                print(f"no failure screenshot: {err}")
            print(f"jupyter lab log tail:\n{lab.log_tail()}")
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `page` knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)

"""What an instructor sees: class.html, written by `python -m course class-report` from the
shipped sample progress files, opened in the real headless Chromium with JavaScript off and
the network blocked, shows the learners table and the difficulty plot. See tests/browser/README.md."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples" / "progress"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_class_report_page_shows_table_and_plot(browser, tmp_path) -> None:
    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "course", "class-report", str(SAMPLES), "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        encoding="utf-8",
        timeout=180,
    )
    assert done.returncode == 1, done.stderr  # the samples hold a duplicate and an older version
    with open(out / "class.csv", encoding="utf-8", newline="") as handle:
        learners = [row["learner"] for row in csv.DictReader(handle)]
    assert len(learners) == 6

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, java_script_enabled=False)
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(request.url))
    try:
        page = context.new_page()
        page.goto((out / "class.html").as_uri(), wait_until="load", timeout=30_000)

        table = page.locator("table#learners")
        assert table.is_visible()
        rows = table.locator("tbody tr")
        assert rows.count() == len(learners)
        shown = [rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())]
        assert shown == learners
        header = table.locator("thead th").all_inner_texts()
        assert header[:3] == ["learner", "score_total", "score_00_welcome"]

        plot = page.locator("svg#difficulty-plot")
        plot.scroll_into_view_if_needed()
        assert plot.is_visible()
        box = plot.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, box
        bars = plot.locator("rect.bar")
        questions = page.locator("table#questions tbody tr")
        assert bars.count() == questions.count() == 11
        widths = [bars.nth(i).bounding_box()["width"] for i in range(bars.count())]
        column = page.locator("table#questions thead th").all_inner_texts().index("first_try")
        shares = [float(questions.nth(i).locator("td").nth(column).inner_text()) for i in range(questions.count())]
        scale = max(widths) / max(shares)  # drawn to scale: bar widths are proportional to the shares
        assert all(abs(w - s * scale) < 1.5 for w, s in zip(widths, shares)), (widths, shares)
        assert min(widths) > 0

        problems = page.locator("ul.problems li").all_inner_texts()
        assert [p.split(": ")[1].split()[0] for p in problems] == ["N612", "N611"], problems

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "class_report.png"), full_page=True)
    finally:
        context.close()
    assert [url for url in fetched if not url.startswith("file:")] == []  # self-contained: no network

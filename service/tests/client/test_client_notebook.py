"""The example notebook (examples/everyday_questions.ipynb) runs from top to bottom on the sample,
on the local snapshot and through the API, and answers each of its five questions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from api.api_support import key_of

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _run() -> list:
    notebook = nbformat.read(EXAMPLES / "everyday_questions.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(EXAMPLES)}}).execute()  # raises on a failing cell
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _text(cell) -> str:
    """What a cell printed and displayed (a frame's HTML view keeps its column names whole)."""
    return "".join(str(output.get("text", "")) + str(output.get("data", {}).get("text/html", ""))
                   for output in cell.outputs)


@pytest.mark.parametrize("where", ["local", "remote"])
def test_the_example_notebook_answers_its_five_questions(where, publish_dir, api_url, monkeypatch):
    monkeypatch.setenv("INFRALYZER_PUBLISH_DIR", str(publish_dir))
    if where == "remote":
        monkeypatch.setenv("INFRALYZER_URL", api_url)
        monkeypatch.setenv("INFRALYZER_API_KEY", key_of("analyst"))
    else:
        monkeypatch.delenv("INFRALYZER_URL", raising=False)
    setup, by_team, movers, coverage, untagged, custom = _run()
    assert ("RemoteClient" if where == "remote" else "LocalClient") in _text(setup)
    assert "newest billing period 2026-09" in _text(setup)
    expectations = [(by_team, ["team", "direct", "shared", "decimal[38,8]"]),
                    (movers, ["mover_rank", "direction", "mom_change_amortized_cost"]),
                    (coverage, ["commitment_coverage", "2026-07-01", "2026-09-01"]),
                    (untagged, ["untagged_cost", "application", "cost_centre"]),
                    (custom, ["region", "share_of_period", "us-east-1"])]
    for cell, words in expectations:
        text = _text(cell)
        assert all(word in text for word in words), (cell.source[:80], text[:2000])

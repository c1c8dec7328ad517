"""`infralyzer generate --anomalies --implementations` writes a history with labelled anomalies and
carried-out Cost Optimization Hub recommendations, both in its answer key."""

from __future__ import annotations

import json

from click.testing import CliRunner

from infralyzer.cli import main


def test_generate_injects_anomalies_and_implementations(tmp_path):
    exports = tmp_path / "exports"
    result = CliRunner().invoke(main, ["generate", "--exports-dir", str(exports), "--months", "2", "--end-period",
                                       "2026-03", "-n", "20000", "--anomalies", "--implementations"])
    assert result.exit_code == 0, result.output
    key = json.loads((exports / "_answer_key" / "answer_key.json").read_text())
    assert key["injected_anomalies"]
    kinds = [e["kind"] for e in key["implemented_recommendations"]]
    assert kinds == ["implemented", "implemented"]  # dismissals start in the third period
    plain = tmp_path / "plain"
    assert CliRunner().invoke(main, ["generate", "--exports-dir", str(plain), "--months", "1", "--end-period",
                                     "2026-03", "-n", "1000"]).exit_code == 0
    key = json.loads((plain / "_answer_key" / "answer_key.json").read_text())
    assert "injected_anomalies" not in key and "implemented_recommendations" not in key

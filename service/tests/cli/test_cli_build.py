"""`infralyzer build`: the build a scheduled job runs beside the API."""

from __future__ import annotations

import subprocess

from click.testing import CliRunner

from infralyzer import dbt_runner
from infralyzer.cli import main
from infralyzer.dbt_runner import _lower_priority


def test_builds_run_at_a_lower_cpu_priority():
    assert _lower_priority(["dbt", "build"], 10)[-3:] == ["10", "dbt", "build"]
    assert _lower_priority(["dbt", "build"], 0) == ["dbt", "build"]


def test_a_scheduled_build_leaves_unit_tests_to_ci_and_passes_dbt_arguments_on(monkeypatch):
    calls: list[tuple[str, ...]] = []

    def run_dbt(settings, *args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(dbt_runner, "run_dbt", run_dbt)
    assert CliRunner().invoke(main, ["build", "--select", "marts.spend"]).exit_code == 0
    assert CliRunner().invoke(main, ["build", "--unit-tests"]).exit_code == 0
    assert calls == [("build", "--exclude-resource-type", "unit_test", "--select", "marts.spend"), ("build",)]

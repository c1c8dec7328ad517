"""fct_focus_costs passes the FinOps Foundation's focus-validator 2.2.1 (FOCUS 1.2 rules, every
applicability criterion on, offline), but for the rules docs/focus.md lists with the reason they
fail ('focus-validator: rules that fail'); that list is exactly what fails, so a new failure or a
stale entry both fail the test. The JUnit report stays in artifacts/focus-validator/ for CI.

The validator runs in its own Python 3.12 environment, created once into a cache
(focus_validator_env.py).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from focus_mart_support import REPO, documented_names
from focus_validator_env import explain, validate_to_junit

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("INFRALYZER_ARTIFACTS_DIR", REPO / "artifacts")) / "focus-validator"


def failed_rules(junit_xml: Path) -> set[str]:
    """Ids of the failed leaf rules. Composite rules (`… :: Composite`) fail whenever a child does,
    so only leaves say what is wrong."""
    failed = set()
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        rule, _, check = case.get("name", "").partition(" :: ")
        if case.find("failure") is not None and check != "Composite":
            failed.add(rule)
    return failed


def failures_section(console_report: str) -> str:
    """The part of the validator's console report that shows failures and sample violations."""
    start = console_report.find("--- Failures ---")
    return console_report[start:] if start >= 0 else console_report


def test_failed_rules_are_exactly_the_documented_ones(focus_data_file: Path):
    junit_xml = ARTIFACTS / "focus-validator.xml"
    for stale in ARTIFACTS.glob("*.txt"):  # explanations of an earlier run's failures
        stale.unlink()
    validate_to_junit(focus_data_file, junit_xml)
    suites = ET.parse(junit_xml).getroot()
    assert int(suites.get("tests")) > 500, "the validator ran too few rules: not the FOCUS 1.2 model?"

    failed = failed_rules(junit_xml)
    documented = documented_names("focus-validator: rules that fail")
    unexpected = failed - documented
    details = "".join(failures_section(explain(focus_data_file, rule, ARTIFACTS / f"{rule}.txt"))
                      for rule in sorted(unexpected))
    assert not unexpected, f"rules failing beyond docs/focus.md's list:\n{details}"
    assert not documented - failed, f"docs/focus.md lists rules that pass now: {sorted(documented - failed)}"

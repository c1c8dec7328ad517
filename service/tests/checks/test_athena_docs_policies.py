"""docs/athena.md's IAM policies are valid policy documents, and the API role's is read-only:
a reader copies them as they are."""

from __future__ import annotations

import json
import re

import pytest

from infralyzer.settings import Settings

ATHENA_DOC = Settings().project_dir / "docs" / "athena.md"
# what a read-only role must never be granted (its own query results are the one S3 write)
WRITES = re.compile(r"^(glue:(Create|Update|Delete|Batch(Create|Delete|Update))|s3:(DeleteObject|PutBucket)|athena:(Create|Delete|Update))")


def _policies() -> list[dict]:
    blocks = re.findall(r"```json\n(.*?)```", ATHENA_DOC.read_text(), re.DOTALL)
    return [json.loads(block) for block in blocks]


def _actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def test_every_policy_is_a_valid_iam_document():
    policies = _policies()
    assert len(policies) == 2, "the build role's and the API role's"
    for policy in policies:
        assert policy["Version"] == "2012-10-17"
        sids = [statement["Sid"] for statement in policy["Statement"]]
        assert len(sids) == len(set(sids))
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            assert all(re.fullmatch(r"(athena|glue|s3|kms):[A-Za-z]+", a) for a in _actions(statement)), statement
            resources = statement["Resource"]
            for resource in [resources] if isinstance(resources, str) else resources:
                assert resource.startswith("arn:aws:") and resource != "*", statement


@pytest.mark.parametrize("role", ["build", "api"])
def test_queries_run_in_the_roles_own_workgroup(role):
    build, api = _policies()
    policy = {"build": build, "api": api}[role]
    athena = [s for s in policy["Statement"] if any(a.startswith("athena:") for a in _actions(s))]
    assert [s["Resource"] for s in athena] == [f"arn:aws:athena:<region>:<account>:workgroup/infralyzer-{role}"]


def test_the_api_role_is_read_only_but_for_its_results():
    _, api = _policies()
    for statement in api["Statement"]:
        writes = [a for a in _actions(statement) if WRITES.match(a) or a == "s3:PutObject"]
        if writes:
            assert statement["Resource"] == "arn:aws:s3:::<results-bucket>/api/*" and writes == ["s3:PutObject"]
        assert not any("cid_data_export" in r or "intermediate" in r or "staging" in r
                       for r in ([statement["Resource"]] if isinstance(statement["Resource"], str)
                                 else statement["Resource"]))

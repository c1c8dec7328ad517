"""The amortisation rule is pinned by its dbt unit tests: changing any branch makes one fail.

The unit tests in models/intermediate/costs/_costs__models.yml run in every `dbt build`. Here
their given rows and expectations are replayed through the model's compiled SQL, first as is
(they must pass) and then once per mutant of the rule: each WHEN dropped, each THEN and ELSE
changed, each value of an IN list dropped, each gross fallback of a net twin dropped and the
split-cost filter removed. Every mutant must make at least one unit test fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlglot import exp

from amortization_harness import LineItemEvaluator, differences

pytestmark = pytest.mark.e2e

UNIT_TESTS = Path(__file__).resolve().parents[3] / "models" / "intermediate" / "costs" / "_costs__models.yml"
STRING_COLUMNS = {"charge_class", "service"}

Mutant = tuple[str, Callable[[exp.Expression], None]]


@pytest.fixture(scope="module")
def unit_tests() -> list[dict]:
    tests = [t for t in yaml.safe_load(UNIT_TESTS.read_text())["unit_tests"] if t["model"] == "int_line_items_amortized"]
    assert len(tests) >= 2
    return tests


def failures(evaluator: LineItemEvaluator, tree: exp.Expression, unit_tests: list[dict]) -> list[str]:
    found = []
    for test in unit_tests:
        evaluator.load(test["given"][0]["rows"])
        try:
            actual = evaluator.run(tree)
        except Exception as error:  # a mutant that no longer runs is caught by dbt too
            found.append(f"{test['name']}: {type(error).__name__}")
            continue
        found += [f"{test['name']}: {d}" for d in differences(test["expect"]["rows"], actual)]
    return found


def _cases(tree: exp.Expression) -> list[exp.Case]:
    return list(tree.find_all(exp.Case))


def _column_of(node: exp.Expression) -> str:
    alias = node.find_ancestor(exp.Alias)
    return alias.alias if alias else "?"


def _changed(node: exp.Expression, column: str) -> exp.Expression:
    if column in STRING_COLUMNS:
        return exp.DPipe(this=node.copy(), expression=exp.Literal.string("!"))
    return exp.Add(this=exp.Paren(this=node.copy()), expression=exp.Literal.number(1))


def _drop_when(tree: exp.Expression, case_index: int, when_index: int) -> None:
    case = _cases(tree)[case_index]
    if len(case.args["ifs"]) == 1:
        case.replace(case.args.get("default") or exp.Null())
    else:
        case.args["ifs"][when_index].pop()


def _fallback_mutants(label: str, node: exp.Expression, locate: Callable[[exp.Expression], exp.Expression]
                      ) -> Iterator[Mutant]:
    """Drop each gross fallback (a non-literal argument after the first) of every COALESCE in node;
    locate finds the same node in a copy of the tree."""
    for c_index, coalesce in enumerate(node.find_all(exp.Coalesce)):
        for a_index, argument in enumerate(coalesce.expressions):
            if isinstance(argument, exp.Literal):
                continue

            def mutate(tree, c_index=c_index, a_index=a_index):
                list(locate(tree).find_all(exp.Coalesce))[c_index].expressions[a_index].pop()

            yield f"{label}: drop fallback {argument.sql()}", mutate


def mutants(tree: exp.Expression) -> Iterator[Mutant]:
    for c_index, case in enumerate(_cases(tree)):
        column = _column_of(case)
        for w_index, when in enumerate(case.args["ifs"]):
            label = f"{column}: WHEN {when.this.sql()}"

            def drop(t, c=c_index, w=w_index):
                _drop_when(t, c, w)

            def change(t, c=c_index, w=w_index, col=column):
                then = _cases(t)[c].args["ifs"][w].args["true"]
                then.replace(_changed(then, col))

            yield f"{label} dropped", drop
            yield f"{label} THEN changed", change
            for i_index, in_list in enumerate(when.this.find_all(exp.In)):
                if len(in_list.expressions) < 2:
                    continue
                for v_index, value in enumerate(in_list.expressions):

                    def drop_value(t, c=c_index, w=w_index, i=i_index, v=v_index):
                        when_ = _cases(t)[c].args["ifs"][w]
                        list(when_.this.find_all(exp.In))[i].expressions[v].pop()

                    yield f"{label}: {value.sql()} dropped from the list", drop_value
            yield from _fallback_mutants(
                label, when.args["true"], lambda t, c=c_index, w=w_index: _cases(t)[c].args["ifs"][w].args["true"]
            )
        if case.args.get("default") is not None:

            def change_default(t, c=c_index, col=column):
                default = _cases(t)[c].args["default"]
                default.replace(_changed(default, col))

            yield f"{column}: ELSE changed", change_default
            yield from _fallback_mutants(
                f"{column}: ELSE", case.args["default"], lambda t, c=c_index: _cases(t)[c].args["default"]
            )

    def drop_split_filter(t):
        [where] = [w for w in t.find_all(exp.Where) if "is_split_cost_child" in w.sql()]
        where.pop()

    yield "split-cost child filter removed", drop_split_filter


def test_unit_tests_pass_on_the_compiled_rule(amortization_rule, unit_tests):
    tree, evaluator = amortization_rule
    assert failures(evaluator, tree, unit_tests) == []


def test_every_mutant_of_the_rule_fails_a_unit_test(amortization_rule, unit_tests):
    original, evaluator = amortization_rule
    survivors, count = [], 0
    for label, mutate in mutants(original):
        tree = original.copy()
        mutate(tree)
        assert tree.sql() != original.sql(), f"mutant changed nothing: {label}"
        count += 1
        if not failures(evaluator, tree, unit_tests):
            survivors.append(label)
    # the rule has ~20 branches over five bases, the charge class and the service
    assert count >= 60, f"only {count} mutants: the rule's CASE expressions were not found"
    assert survivors == [], "branches of the rule no unit test pins:\n" + "\n".join(survivors)

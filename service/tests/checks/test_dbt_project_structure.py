"""The dbt project's shape, read from the manifest of `dbt parse`: what the conventions promise a
newcomer (every rule findable from the folder names, one place per rule) stays true as the project
grows. Each failure names the file or model that breaks the rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings

MAX_MODEL_LINES = 250
MAX_MODEL_CHILDREN = 3
# The YAML `meta` keys that declare a fan-out above MAX_MODEL_CHILDREN deliberate: a rollup that
# many models read on purpose (rollup_of: the model it rolls up), or a shared base whose reason is
# stated (fan_out_reason: why every area reads it).
FAN_OUT_DECLARATIONS = ("rollup_of", "fan_out_reason")

PROJECT = "infralyzer"


@pytest.fixture(scope="module")
def project_dir() -> Path:
    return Settings().project_dir


@pytest.fixture(scope="module")
def manifest(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest of a fresh `dbt parse` (its own target path: no partial parse, no shared state)."""
    root = tmp_path_factory.mktemp("dbt_parse")
    settings = Settings(project_dir=project_dir, exports_dir=root / "exports", build_db=root / "build" / "parse.duckdb",
                        publish_dir=root / "publish")
    target = root / "target"
    run_dbt(settings, "parse", "--target-path", str(target), "--no-partial-parse", capture=True)
    return json.loads((target / "manifest.json").read_text())


def project_models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["package_name"] == PROJECT}


def test_no_model_is_longer_than_the_limit(project_dir: Path) -> None:
    too_long = {
        str(path.relative_to(project_dir)): lines
        for path in sorted((project_dir / "models").rglob("*.sql"))
        if (lines := len(path.read_text().splitlines())) > MAX_MODEL_LINES
    }
    assert not too_long, (
        f"models over {MAX_MODEL_LINES} lines (split them into intermediate models, one step each): {too_long}")


def test_every_macro_folder_documents_every_macro_it_defines(manifest: dict, project_dir: Path) -> None:
    """macros/<folder>/ holds a _<folder>__macros.yml with a description of each macro defined in it
    (a dispatched macro's engine variants are described with it)."""
    macros_root = project_dir / "macros"
    problems: list[str] = []
    for folder in sorted(p for p in macros_root.rglob("*") if p.is_dir()):
        defined = sorted(
            (macro["name"], macro["original_file_path"])
            for macro in manifest["macros"].values()
            if macro["package_name"] == PROJECT
            and (project_dir / macro["original_file_path"]).parent == folder
        )
        if not defined:
            continue
        docs = folder / f"_{folder.name}__macros.yml"
        docs_path = str(docs.relative_to(project_dir))
        if not docs.exists():
            problems.append(f"{folder.relative_to(project_dir)}/ has no {docs.name} "
                            f"(undocumented: {', '.join(name for name, _ in defined)})")
            continue
        described = {
            name for name, _ in defined
            if (macro := manifest["macros"][f"macro.{PROJECT}.{name}"])["description"].strip()
            and (macro.get("patch_path") or "").split("://", 1)[-1] == docs_path
        }
        for name, path in defined:
            # an engine's variant of a dispatched macro (duckdb__x, default__x) is described by x
            dispatched = name.split("__", 1)[-1]
            if name not in described and dispatched not in described:
                problems.append(f"{path}: macro {name} has no description in {docs_path}")
    assert not problems, "macros without their folder's documentation:\n  " + "\n  ".join(problems)


def test_no_model_fans_out_to_more_than_three_models_unless_declared(manifest: dict) -> None:
    models = project_models(manifest)
    problems: list[str] = []
    for uid, node in sorted(models.items()):
        children = sorted(manifest["nodes"][child]["name"] for child in manifest["child_map"].get(uid, [])
                          if child in models)
        meta = {**node.get("meta", {}), **node["config"].get("meta", {})}
        declared = any(str(meta.get(key) or "").strip() for key in FAN_OUT_DECLARATIONS)
        if len(children) > MAX_MODEL_CHILDREN and not declared:
            problems.append(f"{node['name']} ({node['original_file_path']}) has {len(children)} model children "
                            f"{children}: read an intermediate model instead, or declare the fan-out in its "
                            f"YAML meta ({' / '.join(FAN_OUT_DECLARATIONS)})")
    assert not problems, "\n".join(problems)


def test_dimensions_are_not_built_from_facts(manifest: dict) -> None:
    models = project_models(manifest)
    problems = [
        f"{node['name']} ({node['original_file_path']}) refs {manifest['nodes'][parent]['name']}"
        for node in sorted(models.values(), key=lambda n: n["name"])
        if node["name"].startswith("dim_")
        for parent in node["depends_on"]["nodes"]
        if parent in models and manifest["nodes"][parent]["name"].startswith("fct_")
    ]
    assert not problems, "dimensions built from facts (build them from intermediate models): " + "; ".join(problems)

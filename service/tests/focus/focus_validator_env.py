"""The FinOps Foundation's focus-validator in a virtual environment of its own, created once into a cache.

focus-validator 2.x needs Python >= 3.12 (on 3.11 pip quietly resolves to 1.0.0, which lacks FOCUS 1.2),
and 2.2.1 pins numpy < 2, which has wheels up to Python 3.12 only: the environment is built with a 3.12
interpreter, found in this order (docs/focus.md, 'focus-validator'):

1. INFRALYZER_FOCUS_VALIDATOR_PYTHON (a path to a python3.12 executable);
2. `python3.12` on PATH (Debian's or deadsnakes' package, or a pyenv shim that resolves);
3. a pyenv-installed 3.12 under $PYENV_ROOT (default ~/.pyenv)/versions/ (the CI machine image has one).

It is installed from PyPI with pip into ~/.cache/infralyzer/focus-validator/<version>-py3.12
(INFRALYZER_FOCUS_VALIDATOR_CACHE overrides the root), with pyarrow pinned to 21.0.0: the validator
leaves pyarrow unpinned, and newer pyarrow needs numpy >= 2. The validator then runs offline
(--block-download: it validates with the FOCUS 1.2 rules its wheel bundles).

    python service/tests/focus/focus_validator_env.py install   # create the environment ahead of the tests
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VALIDATOR_VERSION = "2.2.1"
REQUIREMENTS = [f"focus-validator=={VALIDATOR_VERSION}", "pyarrow==21.0.0"]
PYTHON_MINOR = (3, 12)
CACHE_ROOT = Path(os.environ.get("INFRALYZER_FOCUS_VALIDATOR_CACHE",
                                 Path.home() / ".cache" / "infralyzer" / "focus-validator"))
# the validator opens this bundled file relative to its working directory (a bug in 2.2.1)
CURRENCY_CODES = Path("focus_validator") / "rules" / "currency_codes.csv"


def _version_of(python: Path | str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60, check=True).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return (int(out[0]), int(out[1])) if len(out) == 2 else None


def find_python() -> Path:
    """A Python 3.12 interpreter (see the module docstring for where it is looked for)."""
    explicit = os.environ.get("INFRALYZER_FOCUS_VALIDATOR_PYTHON")
    candidates: list[Path] = [Path(explicit)] if explicit else []
    on_path = shutil.which("python3.12")
    if on_path:
        candidates.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(pyenv_root.glob("versions/3.12*/bin/python3.12"), reverse=True)
    for python in candidates:
        if _version_of(python) == PYTHON_MINOR:
            return python
    raise RuntimeError(
        "focus-validator needs a Python 3.12 interpreter: set INFRALYZER_FOCUS_VALIDATOR_PYTHON, or install "
        "python3.12 (e.g. `pyenv install 3.12`); looked at " + ", ".join(map(str, candidates or ["nothing"])))


def environment_dir(cache_root: Path = CACHE_ROOT) -> Path:
    return cache_root / f"{VALIDATOR_VERSION}-py{PYTHON_MINOR[0]}.{PYTHON_MINOR[1]}"


def install(cache_root: Path = CACHE_ROOT) -> Path:
    """The environment's folder, created on the first call only; `.installed` is written last, so an
    interrupted install is redone (a venv cannot be moved: its scripts hold its path)."""
    home = environment_dir(cache_root)
    if (home / ".installed").exists():
        return home
    python = find_python()
    shutil.rmtree(home, ignore_errors=True)
    home.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(python), "-m", "venv", str(home)], check=True)
    subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *REQUIREMENTS], check=True)
    (home / ".installed").write_text(" ".join(REQUIREMENTS) + "\n")
    return home


def _validate(data_file: Path, home: Path, *options: str, stdout=None) -> None:
    """focus-validator on `data_file` (Parquet) with the bundled FOCUS 1.2 rules, every applicability
    criterion on, offline, from a scratch working directory (it opens a bundled file relative to it
    and appends to focus_validator_detailed.log there)."""
    site_packages = next((home / "lib").glob("python3.*/site-packages"))
    with tempfile.TemporaryDirectory(prefix="focus-validator-") as workdir:
        (Path(workdir) / CURRENCY_CODES).parent.mkdir(parents=True)
        (Path(workdir) / CURRENCY_CODES).symlink_to(site_packages / CURRENCY_CODES)
        subprocess.run([str(home / "bin" / "focus-validator"), "--data-file", str(data_file.resolve()),
                        "--validate-version", "1.2", "--block-download", "--applicability-criteria", "ALL", *options],
                       cwd=workdir, stdout=stdout if stdout else subprocess.DEVNULL, stderr=subprocess.STDOUT,
                       check=True)


def validate_to_junit(data_file: Path, junit_xml: Path, home: Path | None = None) -> None:
    """Writes the JUnit XML report of every rule. The validator exits 0 whether rules fail or not."""
    junit_xml.parent.mkdir(parents=True, exist_ok=True)
    _validate(data_file, home or install(),
              "--output-type", "unittest", "--output-destination", str(junit_xml.resolve()))


def explain(data_file: Path, rule_filter: str, console_log: Path, home: Path | None = None) -> str:
    """The console report, with sample violations, of the rules whose id contains `rule_filter`."""
    console_log.parent.mkdir(parents=True, exist_ok=True)
    with console_log.open("w") as log:
        _validate(data_file, home or install(), "--filter-rules", rule_filter, "--show-violations", stdout=log)
    return console_log.read_text()


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        print(install())
    else:
        sys.exit(f"usage: {sys.argv[0]} install")

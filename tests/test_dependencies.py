"""Dependencies: what the code imports is declared, and the lock files pin all of it, hashed."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
DEV = [Requirement(r) for r in PROJECT["optional-dependencies"]["dev"]]
BUILD = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]


def imported_modules(*folders: str) -> set[str]:
    """The top-level names every module in `folders` imports."""
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def declared_distributions(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in requirements}


def third_party(modules: set[str]) -> dict[str, set[str]]:
    """Third-party modules, each with the distributions that provide it."""
    local = {"bot", "handlers", "tests"}
    provided = packages_distributions()
    return {
        module: {canonicalize_name(d) for d in provided.get(module, [])}
        for module in modules
        if module not in local and module not in sys.stdlib_module_names
    }


def test_every_library_the_bot_imports_is_a_declared_dependency() -> None:
    declared = declared_distributions(RUNTIME)
    for module, distributions in sorted(third_party(imported_modules("bot", "handlers")).items()):
        assert distributions & declared, f"bot imports {module} ({distributions}): not declared"


def test_every_library_the_tests_import_is_declared_for_development() -> None:
    declared = declared_distributions(RUNTIME + DEV)
    for module, distributions in sorted(third_party(imported_modules("tests")).items()):
        assert distributions & declared, f"tests import {module} ({distributions}): not declared"


def test_every_dependency_has_an_upper_bound() -> None:
    for requirement in RUNTIME + DEV:
        assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier), (
            f"{requirement} has no upper bound"
        )


def pins(lock: str) -> dict[str, tuple[str, list[str]]]:
    """Each package pinned in `lock`: its version and hashes."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    found: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        if match:
            name = canonicalize_name(match.group(1))
            found[name] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return found


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [("requirements.lock", RUNTIME + BUILD), ("requirements-dev.lock", RUNTIME + DEV + BUILD)],
)
def test_the_lock_pins_every_dependency_with_hashes_within_its_range(
    lock: str, requirements: list[Requirement]
) -> None:
    pinned = pins(lock)
    assert pinned, f"{lock} pins nothing"
    for name, (version, hashes) in pinned.items():
        assert hashes, f"{lock}: {name}=={version} has no hash"
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} does not pin {requirement} (run scripts/lock.sh)"
        version = pinned[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {requirement} (run scripts/lock.sh)"
        )


def test_setup_installs_from_the_lock_with_hashes_and_nothing_else() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "--require-hashes -r" in setup
    assert "--no-deps --no-build-isolation -e ." in setup
    for script in ("start.sh", "test.sh"):
        assert "scripts/setup.sh" in (ROOT / script).read_text(encoding="utf-8")

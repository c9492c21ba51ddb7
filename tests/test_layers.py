"""The import rules of docs/architecture.md, checked on every module's source.

Layers point one way: api → workflows → {signatures, storage, digitize} → kernel. The three middle
parts never import each other; `ocr_models` is data beside digitize. Imports inside functions and
under `TYPE_CHECKING` count too: a lazy import is still a dependency. Modules are read with `ast`
(nothing is imported), so the check is fast and cannot be fooled by import side effects.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PARTS = ("digitize", "storage", "signatures", "workflows", "api", "ocr_models")
KERNEL = "kernel"  # the modules directly in hoso/

# What each part may import of hoso besides itself (the kernel is open to all).
ALLOWED: dict[str, set[str]] = {
    KERNEL: set(),
    "ocr_models": {KERNEL},
    "digitize": {KERNEL, "ocr_models"},
    "storage": {KERNEL},
    "signatures": {KERNEL},
    "workflows": {KERNEL, "digitize", "storage", "signatures", "ocr_models"},
    "api": {KERNEL, "workflows", "digitize", "storage", "signatures", "ocr_models"},
}


def part_of(module: str) -> str | None:
    """`hoso.storage.index` → storage; `hoso.errors` → kernel; non-hoso modules → None."""
    names = module.split(".")
    if names[0] != "hoso":
        return None
    if len(names) > 1 and names[1] in PARTS:
        return names[1]
    return KERNEL


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from hoso import storage` imports the part, not the kernel
            if node.module == "hoso":
                found += [(node.lineno, f"hoso.{alias.name}") for alias in node.names]
    return found


def sources(part: str) -> list[Path]:
    if part == KERNEL:  # `python -m hoso` (hoso/__main__.py) is the CLI: it counts as api
        return sorted(p for p in (REPO / "hoso").glob("*.py") if p.name != "__main__.py")
    extra = [REPO / "hoso" / "__main__.py"] if part == "api" else []
    return sorted((REPO / part).rglob("*.py")) + extra


def violations(part: str) -> list[str]:
    found = []
    for path in sources(part):
        for line, module in imported_modules(path):
            if module.split(".")[0] in PARTS:
                found.append(
                    f"{path.relative_to(REPO)}:{line}: bare `{module}`, use `hoso.{module}`"
                )
                continue
            target = part_of(module)
            if target is None or target == part or target in ALLOWED[part]:
                continue
            found.append(f"{path.relative_to(REPO)}:{line}: {part} imports {module} ({target})")
    return found


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_part_imports_only_downward(part: str) -> None:
    assert sources(part), f"no modules found for {part}"
    assert violations(part) == []


def test_tests_and_benchmarks_import_through_the_root() -> None:
    """A bare `import storage` would load a second copy of a module beside `hoso.storage`."""
    bare = [
        f"{path.relative_to(REPO)}:{line}: {module}"
        for folder in ("tests", "benchmarks")
        for path in sorted((REPO / folder).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in PARTS
    ]
    assert bare == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rules are only as good as the parser: an upward import in any form is found."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from hoso.workflows.jobs import x\n"
        "def f():\n    import hoso.api.cli\n    from hoso import storage\n",
        encoding="utf-8",
    )
    modules = {name for _, name in imported_modules(module)}
    assert {"hoso.workflows.jobs", "hoso.api.cli", "hoso.storage"} <= modules
    assert {part_of(name) for name in modules} >= {"workflows", "api", "storage"}


def test_every_part_is_linked_under_the_root() -> None:
    for part in PARTS:
        link = REPO / "hoso" / part
        assert link.is_symlink() and link.resolve() == (REPO / part).resolve(), link


def test_importing_everything_loads_no_second_copy() -> None:
    """Every module loads once, under `hoso.`: none also appears as a bare `digitize.x`."""
    import importlib
    import pkgutil
    import sys

    import hoso

    for module in pkgutil.walk_packages(hoso.__path__, "hoso."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    assert [name for name in sys.modules if name.split(".")[0] in PARTS] == []
    assert sys.modules["hoso.digitize.pipeline"].__file__ == str(
        REPO / "hoso" / "digitize" / "pipeline.py"
    )

"""The shape of the code a newcomer relies on: services small and split by subject, domain
errors that need no web framework, and services that never commit.

These read the source (and load errors.py on its own, outside the package, whose
``__init__`` imports Flask), so they need no app or database.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "citizenideas"
SERVICES = sorted(p for p in (PACKAGE / "services").glob("*.py") if p.name != "__init__.py")
WEB_FRAMEWORKS = ("flask", "flask_babel", "flask_login", "flask_sqlalchemy", "werkzeug")
MAX_SERVICE_LINES = 400


def _imported_modules(path: Path) -> set[str]:
    """Every absolute module ``path`` imports, anywhere in the file (top level or in a
    function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_domain_errors_module_imports_no_web_framework():
    imported = _imported_modules(PACKAGE / "errors.py")
    assert not {m for m in imported if m.split(".")[0] in WEB_FRAMEWORKS}
    # Nor anything of ours (which could pull Flask in behind its back).
    tree = ast.parse((PACKAGE / "errors.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]


def test_the_domain_errors_load_and_work_in_a_python_without_flask_loaded():
    # A fresh interpreter loads errors.py by path (not through the package, whose
    # __init__ imports Flask), raises one, and checks no web framework came along.
    script = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("domain_errors", {str(PACKAGE / "errors.py")!r})
errors = importlib.util.module_from_spec(spec)
spec.loader.exec_module(errors)
try:
    raise errors.ValidationFailed("Enter a title.", {{"title": ["Enter a title."]}})
except errors.DomainError as exc:
    assert exc.status == 422 and exc.errors == {{"title": ["Enter a title."]}}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {WEB_FRAMEWORKS!r})
print(",".join(loaded))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_every_error_a_service_imports_is_a_domain_error(path: Path):
    from citizenideas import errors

    names = [alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module == "errors"
             for alias in node.names]
    for name in names:
        assert issubclass(getattr(errors, name), errors.DomainError), name


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_no_service_module_is_over_400_lines(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_SERVICE_LINES, (
        f"{path.name} has {lines} lines: split it by subject (see README, "
        "'How the code is laid out')")


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_no_service_commits(path: Path):
    # Services flush; the route, the API endpoint or the CLI command commits once.
    calls = [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr == "commit"]
    assert calls == [], f"{path.name} commits on line(s) {calls}"

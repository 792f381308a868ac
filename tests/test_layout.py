"""The language wing (``claims/nlp/``) stays plain: no Django, no ORM, no import circle. No database."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WING = ROOT / "claims" / "nlp"
# what the wing may import from the project: itself only (the ORM, services and settings are Django's)
FORBIDDEN = ("django", "rest_framework", "celery", "claims")


def _modules():
    """(module name, path) of every module of the wing."""
    for path in sorted(WING.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(name: str, path: Path):
    """(absolute module, line) of every import in the file, at any depth (lazy imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x
                    for alias in node.names:
                        yield f"{module}.{alias.name}", node.lineno
                    continue
            else:
                module = node.module
            yield module, node.lineno


def test_the_wing_imports_nothing_of_django_or_the_rest_of_claims():
    found = []
    for name, path in _modules():
        for module, line in _imports(name, path):
            if module == "claims.nlp" or module.startswith("claims.nlp."):
                continue
            if module.split(".")[0] in FORBIDDEN:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not found, "\n".join(found)


def test_importing_every_module_of_the_wing_loads_no_django():
    names = [name for name, _ in _modules()]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"importing claims.nlp loaded {result.stdout.strip()}"


def test_the_wing_has_no_import_circle():
    wing = {name for name, _ in _modules()}
    graph = {}
    for name, path in _modules():
        deps = set()
        for module, _ in _imports(name, path):
            # "from .x import y" may name a module (x.y) or a name in x
            while module and module not in wing:
                module = module.rpartition(".")[0]
            if module and module != name and module != "claims.nlp":
                deps.add(module)
        graph[name] = deps

    state = {}
    path = []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycle = path[path.index(dep):] + [dep]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)

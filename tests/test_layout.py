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


# --- the whole house: claims/ and factcheck/ --------------------------------------------------------

HOUSE = ("claims", "factcheck")
# The doors: they parse input, call one service and shape the output; the writes are the services'.
DOORS = ("claims/api/", "claims/admin/", "claims/management/commands/", "claims/tasks.py", "claims/views.py")
ORM_WRITES = {"save", "delete", "create", "update", "bulk_create", "bulk_update", "get_or_create",
              "update_or_create"}


def _house():
    """(module name, path) of every module of claims/ and factcheck/, migrations aside."""
    for top in HOUSE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def house_graph() -> dict[str, set[str]]:
    """Module → the modules of the house it imports, at any depth (imports inside functions count).
    Importing ``a.b.c`` also runs ``a.b``'s ``__init__``: that edge counts too."""
    modules = dict(_house())
    graph = {}
    for name, path in modules.items():
        deps = set()
        for module, _ in _imports(name, path):
            # "from .x import y" may name a module (x.y) or a name in x
            while module and module not in modules:
                module = module.rpartition(".")[0]
            while module:
                if module != name and not name.startswith(module + "."):
                    deps.add(module)
                module = module.rpartition(".")[0]
        graph[name] = deps
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_house_has_no_import_circle_counting_imports_inside_functions():
    assert circles(house_graph()) == []


def test_the_circle_finder_finds_a_circle():
    # the test above can fail: a planted circle is found, through an __init__ as well
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"x": {"y"}, "y": set()}) == []


def test_nothing_below_the_top_floor_imports_the_tasks():
    """Tasks are queued by name (``claims.processing.sender``); only Celery loads ``claims.tasks``."""
    importers = sorted(name for name, deps in house_graph().items() if "claims.tasks" in deps)
    assert importers == []


def _door_paths():
    for _name, path in _house():
        rel = path.relative_to(ROOT).as_posix()
        if any(rel == door or rel.startswith(door) for door in DOORS):
            yield rel, path


def test_doors_write_nothing_to_the_database_themselves():
    found = []
    for rel, path in _door_paths():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ORM_WRITES:
                target = ast.unparse(node.func.value)
                # a progress bar's update, a dict's update: not the ORM
                if node.func.attr == "update" and ("objects" not in target and "__dict__" not in target):
                    continue
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:90]}")
    assert not found, "doors that write themselves (call a service instead):\n" + "\n".join(found)


def test_the_doors_are_found():
    doors = {rel for rel, _ in _door_paths()}
    assert {"claims/tasks.py", "claims/admin/claims.py", "claims/management/commands/ingest.py"} <= doors

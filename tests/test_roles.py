"""Roles: one home (``claims.roles``) for the names, the groups and who holds which; and the access core
(models, roles, permissions, selectors) free of import circles, function-level imports counted."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from claims import models, permissions, roles

from .factories import EditorFactory, ReviewerFactory, UserFactory, ViewerFactory

ROOT = Path(__file__).resolve().parent.parent
CORE = ("claims.models", "claims.roles", "claims.permissions", "claims.selectors")


def test_role_names_live_in_roles_only():
    assert roles.ROLES == ("editor", "reviewer", "viewer")
    assert not any(hasattr(models, name) for name in ("ROLES", "ROLE_EDITOR", "ROLE_REVIEWER", "ROLE_VIEWER"))
    assert set(roles.ROLE_PERMISSIONS) == set(roles.ROLES)


@pytest.mark.django_db
def test_user_role_is_the_strongest_group_and_a_superuser_is_an_editor():
    both = ViewerFactory()
    both.groups.add(Group.objects.get(name="reviewer"))
    admin = UserFactory(is_superuser=True)
    assert [roles.user_role(u) for u in (both, admin, UserFactory(), None)] == ["reviewer", "editor", None, None]
    assert roles.user_role(UserFactory(is_active=False, roles="editor")) is None


@pytest.mark.django_db
def test_remembered_role_from_with_roles_matches_the_groups_and_spares_the_query(django_assert_num_queries):
    users = [EditorFactory(), ReviewerFactory(), ViewerFactory(), UserFactory()]
    model = type(users[0])
    for row in roles.with_roles(model.objects.filter(pk__in=[u.pk for u in users]), "pk"):
        roles.remember_role(row, row)
        with django_assert_num_queries(0):
            got = roles.user_role(row)
        assert got == roles.user_role(model.objects.get(pk=row.pk))
    # permissions decides with the role roles reads
    assert permissions.allowed(users[0], permissions.EXPORT) and not permissions.allowed(users[1], permissions.EXPORT)


def _module_path(name):
    path = ROOT.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports(name):
    """(claims module, line, inside a function) of every import of ``name``'s file."""
    path = _module_path(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {id(node) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for node in ast.walk(fn)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "claims":
                yield target, node.lineno, id(node) in in_function


def test_the_access_core_has_no_import_circle():
    """models -> roles, permissions -> roles and selectors, selectors -> models and roles: one way."""
    graph = {}
    for name in CORE:
        deps = set()
        for target, _, _ in _imports(name):
            while target and not _module_path(target).exists():
                target = target.rpartition(".")[0]
            if target in CORE and target != name:
                deps.add(target)
        graph[name] = deps
    # every module reachable from a module of the core, within the core, must not lead back to it
    for start in CORE:
        seen, todo = set(), list(graph[start])
        while todo:
            node = todo.pop()
            assert node != start, f"import circle through {start}: {graph}"
            if node not in seen:
                seen.add(node)
                todo.extend(graph[node])


def test_the_access_core_imports_nothing_of_claims_inside_a_function():
    found = [f"{name}:{line} imports {target}" for name in CORE for target, line, local in _imports(name) if local]
    assert not found, "\n".join(found)

"""The structure the code promises (docs/architecture.md): no import cycles between modules, the
layers of pyproject's import-linter contracts, every app's skeleton files, and role sets written once."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "places", "people", "bodies", "notices", "requests", "votes", "meetings", "finance", "party",
        "services", "grid", "reviews", "portal", "dashboard"]


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), migrations left out."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if ".migrations" in w:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back_through_others():
    assert _cycles(grimp.build_graph("gongzhi")) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: two modules that import each other are reported."""
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop import b\n")
    (package / "b.py").write_text("def f():\n    from loop import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("loop")) == [["loop.a", "loop.b"]]


def test_the_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]


SKELETON = ["apps.py", "models.py", "choices.py", "rules.py", "selectors.py", "services", "admin.py", "urls.py",
            "views.py", "home.py", "demo.py"]
# What an app lacks, said here so that a new app either has the whole skeleton or names its gaps.
GAPS = {
    "portal": {"models.py", "choices.py", "rules.py", "selectors.py", "services", "admin.py", "demo.py"},
    "dashboard": {"admin.py", "demo.py"},  # it reads the other apps' figures: nothing of its own to edit or seed
}


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_skeleton(app):
    folder = ROOT / "gongzhi" / app
    present = {name for name in SKELETON
               if (folder / name).exists() or (name == "services" and (folder / "services.py").exists())}
    assert set(SKELETON) - present == GAPS.get(app, set())
    if (folder / "templates").exists():
        assert {p.name for p in (folder / "templates").iterdir()} <= {app, "components"}


@pytest.mark.parametrize("app", [a for a in APPS if a not in GAPS])
def test_every_domain_app_declares_itself_through_its_own_config(app):
    """Each app's apps.py is a core.registry.DomainApp, and Django picked that class (a second AppConfig
    offered by default would make Django fall back to a bare one, and nothing would be declared)."""
    from django.apps import apps

    from gongzhi.core.registry import DomainApp, audit_action_label

    config = apps.get_app_config(app)
    assert isinstance(config, DomainApp) and type(config).__module__ == f"gongzhi.{app}.apps"
    first = next(iter(importlib.import_module(f"gongzhi.{app}.choices").AuditAction))
    assert audit_action_label(first.value) == str(first.label)


# A module-level name bound to a set of roles: `NAME = frozenset({Role.X, ...})`, `{Role.X}`, `X_ROLES | {...}`.
ROLE_SET = re.compile(r"^([A-Z][A-Z_]*)\s*=\s*(?:frozenset\(\s*|set\(\s*)?(?:\{\s*Role\.|[A-Z_]*ROLES\b)", re.M)


def test_each_role_set_is_defined_once():
    seen: dict[str, list[str]] = {}
    for path in (ROOT / "gongzhi").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for name in ROLE_SET.findall(path.read_text(encoding="utf-8")):
            seen.setdefault(name, []).append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert twice == {}
    outside = {name: paths for name, paths in seen.items()
               if not all(p.endswith(("rules.py", "core/roles.py")) for p in paths)}
    assert outside == {}, "role sets belong in the app's rules.py (or the kernel's core/roles.py)"


def test_audit_actions_are_declared_not_spelled_out():
    """Every audit_record call names its action through the app's AuditAction (core.registry shows it in
    Chinese); a bare string would be an action nobody declared."""
    bare = re.compile(r"audit_record\(\s*[\w.]+,\s*f?[\"']")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "gongzhi").rglob("*.py")
                 if "migrations" not in path.parts
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if bare.search(line)]
    assert offenders == []


@pytest.mark.parametrize("app", [a for a in APPS if (ROOT / "gongzhi" / a / "urls.py").exists()])
def test_every_apps_urls_have_a_namespace(app):
    assert re.search(r'^app_name = "' + app + '"$', (ROOT / "gongzhi" / app / "urls.py").read_text(), re.M)


def test_a_pages_title_block_holds_only_its_title():
    """A section pasted into {% block title %} renders as text in the browser's tab and is missing from the
    page (it happened twice: a ranking's coverage list, a case's consequence forms)."""
    block = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)
    wrong = []
    for path in sorted(ROOT.glob("gongzhi/**/templates/**/*.html")):
        found = block.search(path.read_text(encoding="utf-8"))
        if found and ("<" in found.group(1) or "\n" in found.group(1).strip()):
            wrong.append(str(path.relative_to(ROOT)))
    assert wrong == []

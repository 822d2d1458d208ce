"""The layers, read from the code's own imports: who may import whom, no cycles, short files.

`flows` -> `monitor`, `tasks`, `blocks`; `monitor` never imports `flows`; `tasks` never
imports `monitor` or `flows`; `blocks` imports none of them. Imports inside functions
count too: a late import is still a dependency, only a hidden one.
"""

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("flows", "tasks", "blocks", "monitor")
FORBIDDEN = {
    "monitor": {"flows"},
    "tasks": {"monitor", "flows"},
    "blocks": {"flows", "tasks", "monitor"},
}
MAX_LINES = 500


@dataclass(frozen=True)
class Import:
    """One import of one of our modules by another, where it is written."""

    source: str
    target: str
    path: str
    line: int
    in_function: bool

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def module_name(root: Path, path: Path) -> str:
    """`monitor/dashboard/__init__.py` -> `monitor.dashboard`, `tasks/fin.py` -> `tasks.fin`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_files(root: Path, packages: tuple[str, ...]) -> list[Path]:
    return sorted(p for package in packages for p in (root / package).rglob("*.py"))


def _resolve(name: str, known: set[str]) -> str | None:
    """The most specific of our modules that `name` (a dotted name) lies in, if any."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(node: ast.Import | ast.ImportFrom, source: str, is_package: bool) -> list[str]:
    """Dotted names an import statement loads: `from a.b import c` gives `a.b.c`.

    Resolved against our modules, `a.b.c` stands for module `a.b.c` when there is one and
    for `a.b` when `c` is a name inside it.
    """
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = source if is_package else source.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    return [f"{base}.{alias.name}" for alias in node.names]


class _ImportVisitor(ast.NodeVisitor):
    """Collects import statements with whether they sit inside a function."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
        self.depth = 0

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        self.found.append((node, self.depth > 0))

    visit_ImportFrom = visit_Import


def read_imports(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Import]:
    """Every import, module- or function-level, of one of our modules by one of our modules."""
    files = python_files(root, packages)
    known = {module_name(root, p) for p in files}
    found: list[Import] = []
    for path in files:
        source = module_name(root, path)
        visitor = _ImportVisitor()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for node, in_function in visitor.found:
            names = _imported_names(node, source, path.name == "__init__.py")
            targets = dict.fromkeys(filter(None, (_resolve(n, known) for n in names)))
            rel = path.relative_to(root).as_posix()
            found += [
                Import(source, target, rel, node.lineno, in_function)
                for target in targets
                if target != source
            ]
    return found


def upward_imports(imports: list[Import]) -> list[str]:
    """`file:line` of every import that goes against the layers."""
    return [
        f"{i.where}: {i.source} imports {i.target}"
        + (" (inside a function)" if i.in_function else "")
        for i in imports
        if i.target.split(".")[0] in FORBIDDEN.get(i.source.split(".")[0], set())
    ]


def _shortest_cycle(start: str, edges: dict[str, dict[str, Import]]) -> list[Import]:
    """The shortest chain of imports from `start` back to `start`, or [] if none."""
    queue: deque[tuple[str, list[Import]]] = deque([(start, [])])
    seen = {start}
    while queue:
        node, path = queue.popleft()
        for target, imp in sorted(edges.get(node, {}).items()):
            if target == start:
                return path + [imp]
            if target not in seen:
                seen.add(target)
                queue.append((target, path + [imp]))
    return []


def import_cycles(imports: list[Import]) -> list[str]:
    """Each cycle among our modules once, as `a (file:line) -> b (file:line) -> ... -> a`."""
    edges: dict[str, dict[str, Import]] = {}
    for i in imports:
        edges.setdefault(i.source, {}).setdefault(i.target, i)
    cycles, covered = [], set()
    for start in sorted(edges):
        if start in covered:
            continue
        cycle = _shortest_cycle(start, edges)
        if not cycle:
            continue
        covered |= {i.source for i in cycle}
        cycles.append(" -> ".join(f"{i.source} ({i.where})" for i in cycle) + f" -> {start}")
    return cycles


def long_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Files over MAX_LINES lines, with their length."""
    counts = {
        p: len(p.read_text(encoding="utf-8").splitlines()) for p in python_files(root, packages)
    }
    return [
        f"{p.relative_to(root).as_posix()}: {n} lines" for p, n in counts.items() if n > MAX_LINES
    ]


def test_no_layer_imports_one_above_it():
    wrong = upward_imports(read_imports(ROOT))
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycle_between_our_modules():
    cycles = import_cycles(read_imports(ROOT))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_over_500_lines():
    long = long_files(ROOT)
    assert not long, f"files over {MAX_LINES} lines:\n" + "\n".join(long)


def _plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_catches_planted_faults(tmp_path):
    _plant(
        tmp_path,
        {
            "flows/__init__.py": "",
            "flows/run.py": "from monitor import store\nfrom tasks.a import x\n",
            "blocks/__init__.py": "",
            "blocks/cred.py": "import os\n\n\ndef late():\n    from flows.run import go\n",
            "monitor/__init__.py": "",
            "monitor/store.py": "x = 1\n" * (MAX_LINES + 1),
            "tasks/__init__.py": "",
            "tasks/a.py": "from . import b\n",
            "tasks/b.py": "import os\nfrom tasks.a import x\n",
            "tasks/ok.py": "import json\nfrom tasks.b import y\n",
        },
    )
    imports = read_imports(tmp_path)
    assert upward_imports(imports) == [
        "blocks/cred.py:5: blocks.cred imports flows.run (inside a function)"
    ]
    assert import_cycles(imports) == ["tasks.a (tasks/a.py:1) -> tasks.b (tasks/b.py:2) -> tasks.a"]
    assert long_files(tmp_path) == [f"monitor/store.py: {MAX_LINES + 1} lines"]
    assert {(i.source, i.target) for i in imports} == {
        ("flows.run", "monitor.store"),
        ("flows.run", "tasks.a"),
        ("blocks.cred", "flows.run"),
        ("tasks.a", "tasks.b"),
        ("tasks.b", "tasks.a"),
        ("tasks.ok", "tasks.b"),
    }

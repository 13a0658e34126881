"""The layout rules of the package (README, "How it works"): small modules and functions, no import cycles, and a
command line that starts without the heavy libraries."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        yield name.removesuffix(".__init__"), path


def test_no_module_over_400_lines():
    long = {name: n for name, path in _modules() if (n := path.read_text().count("\n")) > MAX_MODULE_LINES}
    assert not long


def test_no_function_over_60_lines():
    long = []
    for name, path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}")
    assert not long


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (anywhere but under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    typing_only = {n for b in tree.body if isinstance(b, ast.If) and "TYPE_CHECKING" in ast.unparse(b.test)
                   for n in ast.walk(b)}  # fmt: skip
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if node in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in known and t != name}
    return out


def test_no_import_cycles():
    modules = dict(_modules())
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    # A module may import its own package's __init__ (re-exports); a cycle is anything else that comes back.
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in graph[node]:
            if node.startswith(nxt + ".") or nxt == "pipeline":
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    assert not cycles


def test_the_command_line_starts_without_spacy_or_scikit_learn():
    heavy = "('spacy', 'sklearn', 'numpy', 'pandas')"
    code = f"import sys, pipeline.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_info_reads_the_folder_without_scikit_learn_or_spacy():
    code = (
        "import sys; from pipeline.model.folder import info; info(); "
        "print(sorted(m for m in ('spacy', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

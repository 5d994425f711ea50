"""docs/architecture.md's import rules hold: who may import whom, and the core never names a built-in."""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CONTRACT = {"ganbench", "ganbench.hookspecs", "ganbench.types", "ganbench.errors", "ganbench.catalogue"}
ENGINE = {
    "ganbench.plugins", "ganbench.registry", "ganbench.grid", "ganbench.budget", "ganbench.ledger",
    "ganbench.train", "ganbench.evaluate", "ganbench.trial", "ganbench.runner", "ganbench.timing",
    "ganbench.pictures", "ganbench.latents", "ganbench.settings", "ganbench.search", "ganbench.experiment", "ganbench.choices", "ganbench.tuning", "ganbench.runfolder", "ganbench.dispatch", "ganbench.notes", "ganbench.threads", "ganbench.watchdog", "ganbench.paths", "ganbench.runlock", "ganbench.loggers", "ganbench.gpu", "ganbench.ema", "ganbench.ensemble", "ganbench.batching", "ganbench.failures", "ganbench.conditioning",
}  # fmt: skip
RESULTS = {
    "ganbench.store", "ganbench.tables", "ganbench.exports", "ganbench.figures", "ganbench.references",
    "ganbench.sampling", "ganbench.html_report", "ganbench.report", "ganbench.tuning_report",
    "ganbench.report_facts", "ganbench.markdown_report", "ganbench.html_content",
}  # fmt: skip
AUTHORING = {"ganbench.scaffold", "ganbench.conformance", "ganbench.testing"}
COMMAND_LINE = {"ganbench.cli", "ganbench.commands", "ganbench.terminal", "ganbench.api"}
ALLOWED = {
    "contract": CONTRACT,
    "engine": CONTRACT | ENGINE | {"ganbench.store"},  # the runner records results as they arrive
    # plugins/registry rebuild saved generators; pictures and timing draw and state what the engine recorded
    "results": CONTRACT
    | RESULTS
    | {
        "ganbench.plugins",
        "ganbench.registry",
        "ganbench.pictures",
        "ganbench.timing",
        "ganbench.latents",
        "ganbench.conditioning",
        "ganbench.search",
    }
    | {"ganbench.paths"},  # reports read only inside their run folder, and write files whole
    "authoring": CONTRACT | ENGINE | AUTHORING,
    "command line": CONTRACT | ENGINE | RESULTS | AUTHORING | COMMAND_LINE,
    "built-ins": CONTRACT | {"ganbench.testing"},
}


def part_of(module: str) -> str:
    for part, members in (
        ("contract", CONTRACT), ("engine", ENGINE), ("results", RESULTS),
        ("authoring", AUTHORING), ("command line", COMMAND_LINE),
    ):  # fmt: skip
        if module in members or any(module.startswith(m + ".") for m in members if m != "ganbench"):
            return part
    raise AssertionError(f"{module} belongs to no part: add it to docs/architecture.md and this test")


def modules(folder: str, package: str):
    for path in sorted((REPO / folder).rglob("*.py")):
        if "templates" in path.parts:
            continue
        parts = path.relative_to(REPO / folder).with_suffix("").parts
        name = ".".join((package, *parts))
        yield name.removesuffix(".__init__"), path


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            if node.module == "ganbench":  # from ganbench import catalogue: the module, not the package
                found |= {f"ganbench.{a.name}" for a in node.names if a.name not in ("hookimpl", "__version__")}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.split(".")[0] in ("ganbench", "ganbench_plugins")}


def covered(name: str, allowed: set[str]) -> bool:
    return name in allowed or any(name.startswith(a + ".") for a in allowed if a != "ganbench")


CORE = list(modules("ganbench", "ganbench"))
BUILTINS = list(modules("plugins", "ganbench_plugins"))


#: the one import across the rules: the package's ``run`` and ``load`` are the API, imported on first use
LAZY = {("ganbench", "ganbench.api")}


@pytest.mark.parametrize("module, path", CORE, ids=[m for m, _ in CORE])
def test_each_core_module_imports_only_what_its_part_may(module, path):
    part = part_of(module)
    found = {n for n in imports(path) if n.startswith("ganbench.") and (module, n) not in LAZY}
    wrong = sorted(n for n in found if not covered(n, ALLOWED[part]))
    assert not wrong, f"{module} ({part}) imports {wrong}"
    assert not any(n.startswith("ganbench_plugins") for n in imports(path)), f"{module} imports a built-in plugin"


@pytest.mark.parametrize("module, path", BUILTINS, ids=[m for m, _ in BUILTINS])
def test_built_ins_import_only_the_documented_contract(module, path):
    outside = sorted(
        n for n in imports(path) if n.startswith("ganbench") and not n.startswith("ganbench_plugins")
        and not covered(n, ALLOWED["built-ins"])
    )  # fmt: skip
    assert not outside, f"{module} imports {outside}, which docs/plugins.md does not document for plugins"


def builtin_names() -> set[str]:
    from ganbench.plugins import PluginOptions
    from ganbench.registry import KINDS, registry_for

    registry = registry_for(PluginOptions(external=False))
    return {r.name for kind in KINDS for r in registry.all(kind) if r.distribution == "ganbench"}


def test_the_core_names_no_built_in_component():
    """A quoted built-in name in core code is a dependency on that built-in (docstrings and help text may cite)."""
    names = builtin_names() - {"all", "none"}
    offenders = []
    for module, path in CORE:
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        }  # fmt: skip
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if node.value in names:
                    offenders.append(f"{module}:{node.lineno} {node.value!r}")
    assert not offenders, "the core names built-ins: " + ", ".join(offenders)


def test_every_module_is_in_the_readme_code_map():
    readme = (REPO / "README.md").read_text()
    code_map = readme.split("## Code map", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\s*([\w/]+(?:\.py|/))", code_map, flags=re.M))
    for _, path in CORE:
        rel = path.relative_to(REPO / "ganbench")
        top = rel.parts[0] + ("/" if len(rel.parts) > 1 else "")
        assert top in listed, f"README's code map has no line for ganbench/{top}"


def test_every_package_is_listed_for_the_wheel():
    """pyproject.toml lists packages explicitly: one missing there is missing from every installed wheel."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    for folder, package in (("ganbench", "ganbench"), ("plugins", "ganbench_plugins")):
        for init in (REPO / folder).rglob("__init__.py"):
            name = ".".join((package, *init.parent.relative_to(REPO / folder).parts))
            assert name in listed, f"{name} is not in pyproject.toml's packages: a wheel would lack it"

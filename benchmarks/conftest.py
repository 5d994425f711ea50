"""pytest set-up for the benchmarks: which files are benchmarks, torch threads, the end-of-session report.

Run on demand, never as part of the test suite (``testpaths`` in pyproject.toml is ``tests``)::

    python -m pytest benchmarks/ --benchmark-only -s

Set ``GANBENCH_BENCH_THREADS`` to change the torch thread count (default 1, see benchkit.THREADS).
"""

from __future__ import annotations

import benchkit
import pytest

#: Plain scripts in this folder, run with ``python benchmarks/NAME``: not pytest modules.
SCRIPTS = {"bench_executors.py"}


def pytest_collect_file(file_path, parent):
    # pytest collects test_*.py by default; the benchmark modules are named bench_*.py so that
    # nobody mistakes them for tests. A file named on the command line pytest collects itself.
    if parent.session.isinitpath(file_path):
        return None
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and file_path.name not in SCRIPTS:
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_configure(config):
    # Before any benchmark builds a module: every comparison runs with the same thread count.
    benchkit.use_threads()


def pytest_terminal_summary(terminalreporter):
    """Everything the benchmarks found, in one place at the end, and the component table as Markdown."""
    report = benchkit.REPORT
    write = terminalreporter.write_line
    for title, lines in report.sections.items():
        terminalreporter.section(title)
        for line in lines:
            write(line)
    if report.components:
        markdown = report.components_markdown()
        benchkit.RESULTS.mkdir(exist_ok=True)
        path = benchkit.RESULTS / "components.md"
        path.write_text(markdown)
        terminalreporter.section(f"step time per component (also in {path})")
        for line in markdown.splitlines():
            write(line)

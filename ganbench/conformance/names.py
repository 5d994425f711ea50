"""Can the command line name the component? Its name must survive the options that parse lists of names.

Two records of one kind cannot share a name: the registry refuses the second before any check
runs, and names are normalised (lower case, '-' for '_' and spaces) before they are compared.
What the registry does not catch is a name the command line would cut up or read as a keyword.
"""

from __future__ import annotations

from ganbench.conformance.results import CheckResult
from ganbench.registry import SINGULAR
from ganbench.types import Record

#: characters with a meaning on the command line or in the report, and where
SEPARATORS = {
    ",": "separates the names of a list (--losses a,b)",
    "+": "joins stabilisers into a set (--stabilisers a+b)",
    ":": "starts parameters or an argument (a:key=5, a:PATH)",
    "=": "gives a parameter its value (a:key=5)",
    "|": "separates the cells of report.md's tables",
}
#: words a list option reads as something other than a name (kept out of every kind: one rule, easy to remember)
RESERVED = {
    "all": "means every component of a kind (--losses all)",
    "none": "means no stabiliser, or no metric (--stabilisers none)",
}


def check_name(kind: str, record: Record) -> CheckResult:
    problem = name_problem(record.name)
    if problem:
        return CheckResult("usable name", False, f"'{record.name}' {problem}: rename it with letters, digits and '-'")
    return CheckResult("usable name", True, f"{SINGULAR[kind]} '{record.name}' from {record.provider}")


def name_problem(name: str) -> str | None:
    """None, or why `ganbench run` could not take this (normalised) name in its options."""
    if not name:
        return "is empty"
    if name in RESERVED:
        return f"is a reserved word: '{name}' {RESERVED[name]}"
    for character, meaning in SEPARATORS.items():
        if character in name:
            return f"holds '{character}', which {meaning}"
    if name.startswith("-"):
        return "starts with '-', which makes the command line take it for an option"
    return None

"""The README stays a front door and the pages of ``docs/`` stay true to the code: every module named in
the architecture page, every ``bench/`` command runnable as shown, every relative link alive. No database."""

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
README_MAX_LINES = 160

BENCH_COMMAND = re.compile(r"bench/([A-Za-z0-9_]+)\.py")
FLAG = re.compile(r"(?<![\w-])(--[A-Za-z][A-Za-z0-9-]*)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _pages():
    """README.md and every page of docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _modules():
    """Every module file of claims/ and factcheck/, as a path from the repository root (migrations and
    package __init__ files aside)."""
    for package in ("claims", "factcheck"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or path.name == "__init__.py":
                continue
            yield rel.as_posix()


def _logical_lines(text: str):
    """(line number, line) with shell continuations (a trailing backslash) joined to the next line."""
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def _bench_commands(path: Path):
    """(line number, script, flags) of every ``bench/<script>.py`` shown on a page: in a code block the
    rest of the line (its comment included, which names flags too), in running text the rest of the
    inline code span."""
    in_block = False
    for number, line in _logical_lines(path.read_text(encoding="utf-8")):
        if line.lstrip().startswith("```"):
            in_block = not in_block
            continue
        for match in BENCH_COMMAND.finditer(line):
            rest = line[match.end():]
            if not in_block:
                # only inside the code span that holds the script's name (an even count of backticks
                # before it means running text, not a command)
                if line[:match.start()].count("`") % 2 == 0:
                    rest = ""
                else:
                    rest = rest.split("`", 1)[0]
            yield number, match.group(1), FLAG.findall(rest)


@functools.cache
def _help(script: str) -> str:
    """What ``bench/<script>.py --help`` prints, once per script."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{script}.py"), "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"bench/{script}.py --help failed:\n{done.stderr[-2000:]}"
    return done.stdout


def test_the_readme_is_a_front_door_of_at_most_160_lines():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move the rest to a page of docs/"


def test_the_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make run", "make test"]


def test_every_module_is_named_in_the_architecture_page():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [module for module in _modules() if f"`{module}`" not in text]
    assert not missing, f"docs/architecture.md names none of: {', '.join(missing)}"


@pytest.mark.parametrize("page", _pages(), ids=_page_id)
def test_every_bench_command_names_a_script_and_flags_it_accepts(page):
    problems = []
    for number, script, flags in _bench_commands(page):
        if not (ROOT / "bench" / f"{script}.py").is_file():
            problems.append(f"line {number}: bench/{script}.py does not exist")
            continue
        if not flags:
            continue
        help_text = _help(script)
        for flag in flags:
            if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text):
                problems.append(f"line {number}: bench/{script}.py does not accept {flag}")
    assert not problems, f"{_page_id(page)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", _pages(), ids=_page_id)
def test_every_relative_link_points_at_a_file_that_exists(page):
    broken = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        for target in LINK.findall(line):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL (http:, mailto:) or a place on the same page
            path = target.split("#", 1)[0]
            if not (page.parent / path).exists():
                broken.append(f"line {number}: {target}")
    assert not broken, f"{_page_id(page)}: links to nothing:\n" + "\n".join(broken)


def test_the_checks_find_what_they_check():
    # the parsers must see the README's commands and links, or every test above passes on nothing
    commands = [script for page in _pages() for _, script, _ in _bench_commands(page)]
    assert {"eval_matching", "load", "export", "faults"} <= set(commands)
    flagged = {(script, tuple(flags)) for page in _pages() for _, script, flags in _bench_commands(page)}
    assert ("load", ("--reuse", "--explain")) in flagged
    links = LINK.findall(README.read_text(encoding="utf-8"))
    assert "docs/architecture.md" in links and "docs/screenshots/article-highlighted.png" in links

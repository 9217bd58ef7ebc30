"""What each generator under hack/ does with the files it builds: writes those whose content
changed, or, with --check (`make lint`), writes nothing and names each one out of date.

Usage, in a generator:
    from generated_files import check_requested, write_or_check
    sys.exit(write_or_check(files, check_requested(__doc__)))
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def check_option(doc: str) -> argparse.ArgumentParser:
    """The generator's argument parser, described by its docstring, with --check."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; fail when a file is out of date")
    return parser


def check_requested(doc: str) -> bool:
    """Whether the generator was called with --check."""
    return check_option(doc).parse_args().check


def write_or_check(files: dict[Path, str], check: bool, stale: Iterable[Path] = (),
                   fix: str = "`make generate`") -> int:
    """Write each of `files` whose content differs and delete the `stale` ones; with `check`,
    write nothing and name each file out of date. The exit status: 1 when `check` found one."""
    changed = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
    stale = sorted(stale)
    if check:
        for path in changed + stale:
            print(f"{path.relative_to(REPO_ROOT)} is out of date: run {fix}", file=sys.stderr)
        return 1 if changed or stale else 0
    for path in stale:
        path.unlink()
        print(f"removed {path.relative_to(REPO_ROOT)}")
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path])
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0

"""Whether this checkout builds the same sites as another commit: the seeds and the BBC corpus, file by file.

Run: .venv/bin/python benchmarks/same_output.py [REF] [--corpora seeds,bbc,uci]
REF (default: main) is checked out into a temporary worktree; each corpus is built by both with
`python -m digest build SRC -o OUT --no-cache` and SOURCE_DATE_EPOCH fixed, and every file of the two
sites is compared. Prints the files that differ (and, for digest.json, the first fields that do) and
exits 1 when any do. Meant for changes that should not change output: a refactor, a cache or speed change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpora import SHARED, flatten_bbc, uci_feeds  # noqa: E402


def sources(corpus: str, folder: Path) -> Path:
    """The source folder of ``corpus``, made under ``folder``."""
    target = folder / corpus
    if corpus == "seeds":
        return ROOT / "seeds"
    if corpus == "bbc":
        flatten_bbc(target)
    elif corpus == "uci":
        uci_feeds(target)
    else:
        raise SystemExit(f"unknown corpus {corpus!r}: seeds, bbc or uci")
    return target


def build(checkout: Path, source: Path, output: Path) -> None:
    """Build ``source`` into ``output`` with the code of ``checkout``, without a cache."""
    environ = {**os.environ, "PYTHONPATH": str(checkout), "SOURCE_DATE_EPOCH": "1700000000"}
    command = [sys.executable, "-m", "digest", "build", str(source), "-o", str(output), "--no-cache", "-q"]
    subprocess.run(command, cwd=output.parent, env=environ, check=True, stdout=subprocess.DEVNULL)


def files(site: Path) -> dict[str, bytes]:
    """Every file of a site by its path in it."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def differences(ours: Path, theirs: Path) -> list[str]:
    """Lines saying which files differ between two sites."""
    mine, other = files(ours), files(theirs)
    lines = [f"only in this checkout: {name}" for name in sorted(mine.keys() - other.keys())]
    lines += [f"only in the other: {name}" for name in sorted(other.keys() - mine.keys())]
    changed = sorted(name for name in mine.keys() & other.keys() if mine[name] != other[name])
    lines += [f"differs: {name}" for name in changed]
    if "digest.json" in changed:
        lines += json_fields(json.loads(mine["digest.json"]), json.loads(other["digest.json"]))
    return lines


def json_fields(mine: object, other: object, where: str = "digest.json") -> list[str]:
    """The first few places where two JSON values differ."""
    if isinstance(mine, dict) and isinstance(other, dict):
        found = []
        for key in sorted(mine.keys() | other.keys()):
            found += json_fields(mine.get(key), other.get(key), f"{where}.{key}")
            if len(found) >= 5:
                break
        return found[:5]
    if isinstance(mine, list) and isinstance(other, list) and len(mine) == len(other):
        found = []
        for number, (a, b) in enumerate(zip(mine, other, strict=True)):
            found += json_fields(a, b, f"{where}[{number}]")
            if len(found) >= 5:
                break
        return found[:5]
    return [] if mine == other else [f"  {where}: {str(other)[:80]!r} -> {str(mine)[:80]!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default="main")
    parser.add_argument("--corpora", default="seeds,bbc" if SHARED.is_dir() else "seeds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        other = work / "other"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(other), args.ref], cwd=ROOT, check=True
        )
        try:
            differ = False
            for corpus in args.corpora.split(","):
                source = sources(corpus, work / "src")
                sites = {}
                for name, checkout in (("ours", ROOT), ("theirs", other)):
                    (work / name).mkdir(exist_ok=True)
                    sites[name] = work / name / corpus
                    build(checkout, source, sites[name])
                lines = differences(sites["ours"], sites["theirs"])
                count = len(files(sites["ours"]))
                print(f"{corpus}: {'same' if not lines else 'DIFFERENT'} ({count} files)")
                for line in lines[:40]:
                    print(f"  {line}")
                differ = differ or bool(lines)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

"""Soirée on real files that nobody here wrote (`../shared/real-feeds/`, read its README):
the Ministry's 2017 rehearsal feed replayed with its index, and data.gouv's 2022 CSV read
as published. Prints what Soirée would announce. Run by hand, never by the tests (the
files are others' publications and stay outside the project):

    .venv/bin/python -m bench.real_feeds [--feeds ../shared/real-feeds]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MINISTRY = "ministere-2017-rehearsal"
CSV = "data-gouv/legislatives-2022-t1-resultats-par-niveau-cirlg.csv"


def replay(files: list[Path], *args: str, db: Path | None = None) -> list[dict[str, Any]]:
    """Run `python -m bot replay --format jsonl` on the files; return its records."""
    command = [sys.executable, "-m", "bot", "replay", "--format", "jsonl", *args]
    if db is not None:
        command += ["--db", str(db)]
    done = subprocess.run(
        [*command, *map(str, files)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        sys.exit(f"replay failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def show(title: str, records: list[dict[str, Any]], races: set[str] | None = None) -> None:
    """Print each announcement (of `races` only, when given) and count the others."""
    print(f"\n=== {title}")
    others: Counter[str] = Counter()
    for record in records:
        if "text" not in record:  # an index read, a rejected file
            print(f"  [{record.get('kind')}] {Path(str(record.get('file'))).name} "
                  f"{record.get('error') or record.get('places', '')}")  # fmt: skip
            continue
        if races is not None and record["race"] not in races:
            others[record["kind"]] += 1
            continue
        print(f"--- {record['kind']} ({record['race']}, {Path(record['file']).name})")
        print("    " + record["text"].replace("\n", "\n    "))
    if others:
        print(f"  and for other races: {dict(others)}")


def ministry(feeds: Path) -> None:
    base = feeds / MINISTRY
    paris = base / "011" / "075"
    night = [base / "index.xml", paris / "075IDX.xml", paris / "075.xml", paris / "075com.xml",
             paris / "075056.xml", *sorted(paris.glob("075056AR*.xml"))]  # fmt: skip
    fmt = ("--source-format", "fr-interior-xml")
    show("Paris: the index, then 075.xml, 075com.xml, the commune and its arrondissements",
         replay(night, *fmt))  # fmt: skip
    bdr = base / "093" / "013"
    pair = [base / "index.xml", bdr / "013IDX.xml", bdr / "013.xml", bdr / "013com.xml",
            bdr / "013.xml"]  # fmt: skip
    show("Bouches-du-Rhône: 013.xml, 013com.xml, 013.xml (the totals leave Marseille out)",
         replay(pair, *fmt), races={"D013"})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "twice.db"
        first = [r for r in replay(night, *fmt, db=db) if "text" in r]
        second = [r for r in replay(night, *fmt, db=db) if "text" in r]
    print(f"\n=== The Paris night replayed twice into one store: {len(first)} announcements, "
          f"then {len(second)}")  # fmt: skip


def csv(feeds: Path) -> None:
    records = replay([feeds / CSV], "--source-format", "csv", "--option", "layout=blocks")
    kinds = Counter(str(r.get("kind")) for r in records)
    races = {r["race"] for r in records if "race" in r}
    show("data.gouv CSV, 2022 legislative round 1: Paris's 9th constituency", records,
         races={"75-09"})  # fmt: skip
    print(f"  {len(races)} races announced; records by kind: {dict(kinds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=Path, default=ROOT.parent / "shared" / "real-feeds")
    feeds = parser.parse_args().feeds.resolve()
    ministry(feeds)
    csv(feeds)


if __name__ == "__main__":
    main()

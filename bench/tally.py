"""Benchmark: counting an owners' vote (issue 5 targets).

Run by hand, not in CI:  .venv/bin/python bench/tally.py
- tally() of a 10,000-unit estate with 8,000 ballots (target < 100 ms);
- the `gongzhi tally` CLI, as a fresh process, on a 100,000-row ballot sheet, CSV and .xlsx
  (target < 5 s).
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def estate(n_units: int, rng: random.Random):
    """Units with owners: 3% the developer's, 5% of owners hold two units, some co-owned."""
    rows = []
    for i in range(n_units):
        area = Decimal(rng.randrange(4500, 16000)) / 100
        if i % 33 == 0:
            owners = ["DEVELOPER"]
        elif i % 20 == 1:
            owners = [f"p{i - 1}"]  # the previous unit's owner buys this one too
        elif i % 17 == 0:
            owners = [f"p{i}", f"q{i}"]
        else:
            owners = [f"p{i}"]
        rows.append((f"U{i:06d}", area, owners))
    return rows


def ballots(rows, count: int, rng: random.Random):
    """Ballots for `count` units; an owner of several units gives the same choice on each."""
    chosen = rng.sample(rows, count)
    options = ["yes", "yes", "yes", "no", "abstain"]
    return [(unit, owners[0], options[hash(owners[0]) % len(options)]) for unit, _, owners in chosen]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    from gongzhi.votes.tally import BallotIn, Holding, tally

    rng = random.Random(278)
    rows = estate(10_000, rng)
    holdings = [Holding(u, a, frozenset(o)) for u, a, o in rows]
    cast = [BallotIn(u, v, c) for u, v, c in ballots(rows, 8_000, rng)]
    times = []
    for _ in range(20):
        started = time.perf_counter()
        result = tally(holdings, cast, item=4)
        times.append((time.perf_counter() - started) * 1000)
    print(f"tally 10,000 units / 8,000 ballots   median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
          f"(target < 100 ms: {'met' if max(times) < 100 else 'NOT met'}); "
          f"participation {float(result.participation_area):.4f} by area, approved {result.approved}")

    big = estate(120_000, rng)
    sheet = ballots(big, 100_000, rng)
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-tally-") as workdir:
        units_csv, ballots_csv = Path(workdir, "units.csv"), Path(workdir, "ballots.csv")
        units_csv.write_text("unit,area,owner\n" + "".join(f"{u},{a},{o}\n" for u, a, os_ in big for o in os_))
        ballots_csv.write_text("unit,voter,choice\n" + "".join(f"{u},{v},{c}\n" for u, v, c in sheet))
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        ws = book.create_sheet()
        ws.append(["unit", "voter", "choice"])
        for row in sheet:
            ws.append(list(row))
        ballots_xlsx = Path(workdir, "ballots.xlsx")
        book.save(ballots_xlsx)
        gongzhi = str(Path(sys.executable).with_name("gongzhi"))
        for label, path in (("CSV", ballots_csv), (".xlsx", ballots_xlsx)):
            started = time.perf_counter()
            done = subprocess.run([gongzhi, "tally", "--units", str(units_csv), "--ballots", str(path), "--item", "4",
                                   "--json"], capture_output=True, text=True)
            wall = time.perf_counter() - started
            print(f"gongzhi tally, 100,000 ballots ({label:5}) {wall:.2f} s, exit {done.returncode} "
                  f"(target < 5 s: {'met' if wall < 5 else 'NOT met'})")


if __name__ == "__main__":
    main()

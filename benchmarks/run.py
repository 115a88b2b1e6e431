"""`make bench`: run every benchmark under benchmarks/ and leave their results in benchmarks/results/.

Each benchmark is a script that writes its own results file; this runner only calls them in turn and
prints where the results went. `--quick` (or HAVEN_BENCH_QUICK=1, as in `HAVEN_BENCH_QUICK=1 make bench`)
passes each script its smaller mode where it has one, to try them out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_FLAGS = {"bench_scheduling.py": ["--quick"], "bench_board.py": ["--quick"]}


def main() -> int:
    quick = "--quick" in sys.argv[1:] or os.environ.get("HAVEN_BENCH_QUICK") == "1"
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        args = [sys.executable, str(script), *(QUICK_FLAGS.get(script.name, []) if quick else [])]
        started = time.perf_counter()
        print(f"== {script.name}", flush=True)
        result = subprocess.run(args, cwd=HERE.parent, check=False)
        print(
            f"== {script.name}: exit {result.returncode} in {time.perf_counter() - started:.0f} s", flush=True
        )
        failures += result.returncode != 0
    print(f"results in {HERE / 'results'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

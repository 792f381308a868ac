"""The coverage floor CI enforces, on lines: ``make test`` runs this after the suite.

coverage's own ``fail_under`` counts lines and branches together when branches are measured; the
desk's floor is on lines (95 %), with the combined figure kept as a ratchet in ``pyproject.toml``.
Reads the combined ``.coverage`` data the run left and prints one line.
"""

import json
import subprocess
import sys
from pathlib import Path

FLOOR = 95.0


def main() -> int:
    out = Path("var/coverage.json")
    out.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "coverage", "json", "-q", "-o", str(out)], check=True)
    totals = json.loads(out.read_text())["totals"]
    lines = 100.0 * totals["covered_lines"] / max(totals["num_statements"], 1)
    branches = 100.0 * totals.get("covered_branches", 0) / max(totals.get("num_branches", 0), 1)
    ok = lines >= FLOOR
    print(f"coverage of claims/ and factcheck/: lines {lines:.1f} % (floor {FLOOR:.0f} %), "
          f"branches {branches:.1f} %, both {totals['percent_covered']:.1f} %: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

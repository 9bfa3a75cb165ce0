"""Print the load test's summary from locust's CSV files (``scripts/loadtest``): requests/s, median and p95 per
page, failures and the most frequent failure messages (a p95 over ``LOAD_P95_MS``, default 300 ms, the
target of issue 14, is named). Exit status 1 when any request failed. With ``LOAD_SUMMARY_JSON`` (a path), the
all-pages line is also written there for ``scripts/bench.py`` (``loadtest_data.py check`` adds its violations)."""

import csv
import json
import os
import sys
from pathlib import Path

P95_TARGET_MS = 300


def _number(text: str) -> float | None:
    return None if text in ("N/A", "") else float(text)


def main(prefix: str) -> int:
    target = int(os.environ.get("LOAD_P95_MS", P95_TARGET_MS))
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        print("locust wrote no statistics: it did not run (see its log below)")
        return 1
    with stats.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    pages = [r for r in rows if r["Name"] != "Aggregated"]
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    for r in pages:
        r["Name"] = f"{r['Name']} ({r['Type']})"
    width = max([len(r["Name"]) for r in pages] + [len("all pages")])
    print(f"{'page'.ljust(width)} | requests | failures | req/s | median | p95")
    print(f"{'-' * width}-|----------|----------|-------|--------|------")
    slow = []
    for r in sorted(pages, key=lambda r: r["Name"]) + ([{**total, "Name": "all pages"}] if total else []):
        print(
            f"{r['Name'].ljust(width)} | {r['Request Count']:>8} | {r['Failure Count']:>8} | "
            f"{float(r['Requests/s']):5.1f} | {r['50%']:>4} ms | {r['95%']:>4} ms"
        )
        if r is not total and r["Name"] != "all pages" and r["95%"] not in ("N/A", "") and float(r["95%"]) > target:
            slow.append(r["Name"])
    failures = int(total["Failure Count"]) if total else 0
    print(f"Failures: {failures}; pages with p95 over {target} ms: {', '.join(slow) or 'none'}")
    summary_path = os.environ.get("LOAD_SUMMARY_JSON")
    if summary_path and total:
        summary = {
            "requests": int(total["Request Count"]),
            "failures": failures,
            "requests_per_second": float(total["Requests/s"]),
            "median_ms": _number(total["50%"]),
            "p95_ms": _number(total["95%"]),
            "slow_pages": slow,
        }
        Path(summary_path).write_text(json.dumps(summary), encoding="utf-8")
    failures_file = Path(f"{prefix}_failures.csv")
    if failures and failures_file.exists():
        with failures_file.open(encoding="utf-8") as file:
            failed = sorted(csv.DictReader(file), key=lambda r: -int(r["Occurrences"]))
        for r in failed[:8]:
            print(f"  {r['Occurrences']}× {r['Method']} {r['Name']}: {r['Error'][:160]}")
    return 1 if failures or not total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

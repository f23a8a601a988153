"""Run every bench module's main in turn: `python -m bench.run_all` (or `make bench`)."""

import importlib
import sys
import time
import traceback

MODULES = (
    "bench.escalation",
    "bench.telegram",
    "bench.vk",
    "bench.reports",
    "bench.intake",
    "bench.pii",
    "bench.incidents_poll",
    "bench.routing",
    "bench.routing_curve",
    "bench.causes",
    "bench.duplicates",
)


def run_module(name: str) -> int:
    """Import one bench module and run its main with default options; returns its exit code."""
    print(f"##### {name}", flush=True)
    t0 = time.monotonic()
    try:
        code: int = importlib.import_module(name).main([])
    except Exception:  # one broken bench must not hide the others' figures
        traceback.print_exc()
        code = 1
    print(f"##### {name}: exit {code} after {time.monotonic() - t0:.1f} s", flush=True)
    return code


def main() -> int:
    """Run all benches, even after one fails; non-zero if any did."""
    codes = [run_module(name) for name in MODULES]
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())

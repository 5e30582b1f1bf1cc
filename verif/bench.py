"""`aicore bench`: build time, training throughput through the RTL, cycles per training step.

Figures are printed, never asserted: a benchmark is a measurement, not a test.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from hdl_gen.emit import DEFAULT_TILES, emit_verilog

from .runner import build, run
from .simulator import find_verilator


def _analog_minimum(tile: dict, op: str) -> float:
    """Cycles the analog core itself needs for one command, with zero digital overhead.

    Read: the DAC window (M cycles) plus the ADC conversion. Update: four SET/RESET sub-phases
    of BL slots, one cycle each (mean BL of the run). Transfer: a read plus two pulse slots.
    """
    window = (1 << (tile["dac_bits"] - 1)) - 1
    read = window + tile["adc_latency"]
    return {"forward": read, "backward": read, "update": 4 * tile["mean_bl"],
            "transfer": read + 2}[op]


def report(bench: dict, build_seconds: dict) -> str:
    lines = [f"build (fresh): Amaranth -> Verilog {build_seconds['emit']:.1f} s, "
             f"Verilator + C++ {build_seconds['verilate']:.1f} s"]
    for mode, label in (("lockstep", "RTL + system model in lockstep (aicore train)"),
                        ("rtl_only", "RTL alone")):
        b = bench[mode]
        lines.append(f"{label}: {b['samples_per_s']:.1f} training samples/s "
                     f"({b['samples']} samples, {b['sim_cycles'] / b['samples']:.0f} cycles/sample, "
                     f"{b['cycles_per_s'] / 1e3:.0f} k cycles/s simulated)")
    b = bench["rtl_only"]
    tiles = {t["name"]: t for t in b["tiles"]}
    lines.append("")
    lines.append("cycles per training step and layer (RTL alone, bus transfers included)")
    lines.append(f"{'layer':<7}{'command':<10}{'per step':>9}{'cycles':>9}{'analog min':>12}"
                 f"{'overhead':>10}")
    totals = {}
    for row in b["ops"]:
        tile = tiles[row["tile"]]
        per_step = row["count"] / b["samples"]
        mean = row["cycles"] / row["count"]
        minimum = _analog_minimum(tile, row["op"])
        t_cyc, t_min = totals.get(row["tile"], (0.0, 0.0))
        totals[row["tile"]] = (t_cyc + per_step * mean, t_min + per_step * minimum)
        lines.append(f"{row['tile']:<7}{row['op'].upper():<10}{per_step:>9.2f}{mean:>9.1f}"
                     f"{minimum:>12.1f}{mean / minimum:>9.2f}x")
    for name, (cyc, minimum) in totals.items():
        t = tiles[name]
        lines.append(f"{name:<7}{'step':<10}{'':>9}{cyc:>9.1f}{minimum:>12.1f}"
                     f"{cyc / minimum:>9.2f}x   ({t['rows']}x{t['cols']}, mean BL "
                     f"{t['mean_bl']:.1f})")
    return "\n".join(lines)


#: marks a directory as the benchmark's own, so it may be wiped for the next fresh build
BENCH_MARKER = ".aicore-bench"


class NotABenchDirectory(ValueError):
    """The build directory holds something the benchmark did not make: it is not wiped."""


def bench(samples: int, build_root: Path) -> int:
    """Build the default tiles from nothing in `build_root` (wiped first if the benchmark made
    it), train `samples` samples through the RTL and print the figures."""
    build_root = Path(build_root)
    if (build_root.exists() and not (build_root / BENCH_MARKER).exists()
            and not (build_root.is_dir() and not any(build_root.iterdir()))):
        raise NotABenchDirectory(f"--build-dir {build_root}: not empty and not made by "
                                 f"`aicore bench`; give a new or empty directory")
    find_verilator()  # fail in one line before deleting the last benchmark's build
    shutil.rmtree(build_root, ignore_errors=True)  # time a build from nothing
    build_root.mkdir(parents=True)
    (build_root / BENCH_MARKER).write_text("aicore bench build directory; wiped by each run\n")
    start = time.perf_counter()
    emit_verilog(DEFAULT_TILES, build_root / "emit_probe.v", top_name="aicore_mlp")
    emit_seconds = time.perf_counter() - start
    print("building from scratch ...", flush=True)
    built = build(DEFAULT_TILES, build_root)
    seconds = {"emit": emit_seconds, "verilate": built.seconds - emit_seconds}
    out = build_root / "run"
    out.mkdir()
    print(f"training {samples} samples through the RTL (lockstep, then RTL alone) ...",
          flush=True)
    env = {"AICORE_OUT": str(out.resolve()), "AICORE_BENCH_SAMPLES": str(samples),
           "COCOTB_LOG_LEVEL": "WARNING", "GPI_LOG_LEVEL": "WARNING"}
    tests, failed = run(built, "verif.cocotb_bench", extra_env=env, results_dir=out,
                        log_file=out / "sim.log")
    if tests != 1 or failed:
        print(f"aicore: benchmark simulation failed; see {out / 'sim.log'}")
        return 1
    results = json.loads((out / "bench.json").read_text())
    results["build_seconds"] = seconds
    (out / "bench.json").write_text(json.dumps(results, indent=2))
    print(report(results, seconds))
    print(f"\nraw figures: {out / 'bench.json'}")
    return 0

"""cocotb benchmark: training throughput through the RTL and cycles per operation per layer.

Started by `aicore bench`. Trains $AICORE_BENCH_SAMPLES digits samples twice on the default
network, once with RTL and system model in lockstep (what `aicore train` does) and once on the
RTL alone, and writes `bench.json` into $AICORE_OUT.
"""
from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles
from cocotb.utils import get_sim_time

from .backends import LockstepTile, ModelTile, Scoreboard
from .job import JobConfig
from .sequences import AnalogMlp, build_arrays
from .system import bind_rtl_tiles, device_dw_min, setup_job

PERIOD_NS = 10.0


class TimedTile:
    """Forwards every tile command and adds up the simulated cycles it took, bus included."""

    OPS = ("forward", "backward", "update", "transfer")

    def __init__(self, inner, counts: dict, cycles: dict, name: str):
        self.inner, self.counts, self.cycles, self.name = inner, counts, cycles, name
        self.cfg = inner.cfg

    def __getattr__(self, attr):
        value = getattr(self.inner, attr)
        if attr not in self.OPS:
            return value

        async def timed(*args, **kwargs):
            start = get_sim_time("ns")
            result = await value(*args, **kwargs)
            key = (self.name, attr)
            self.counts[key] += 1
            self.cycles[key] += (get_sim_time("ns") - start) / PERIOD_NS
            return result
        return timed


async def _train(dut, job: JobConfig, lockstep: bool, samples: int) -> dict:
    data, tile_cfgs, device, periphery = setup_job(job)
    rtl_arrays = build_arrays(job, tile_cfgs, device, periphery)
    model_arrays = build_arrays(job, tile_cfgs, device, periphery)
    sb = Scoreboard()
    counts, cycles = defaultdict(int), defaultdict(float)
    bls = []
    rtl_tiles = bind_rtl_tiles(dut, tile_cfgs, rtl_arrays)
    tiles = []
    for n, (cfg, tile) in enumerate(zip(tile_cfgs, rtl_tiles)):
        if lockstep:
            tile = LockstepTile(tile, ModelTile(cfg, *model_arrays[n].values()), sb, f"tile{n}")
        tiles.append(TimedTile(tile, counts, cycles, f"tile{n}"))
    net = AnalogMlp(tiles, job, device_dw_min(device), periphery.out_bound)
    await net.setup()
    # Record the BL of every UPDATE to state the analog-limited minimum of what actually ran.
    for tile in tiles:
        inner_update = tile.inner.update

        async def update(px, pd, bl, array, _inner=inner_update, _name=tile.name):
            bls.append((_name, bl))
            return await _inner(px, pd, bl, array)
        tile.inner.update = update
    x, y = data.x_train[:samples], data.y_train[:samples]
    wall, sim0 = time.perf_counter(), get_sim_time("ns")
    await net.train_epoch(x, y)
    wall = time.perf_counter() - wall
    sim_cycles = (get_sim_time("ns") - sim0) / PERIOD_NS
    for tile in rtl_tiles:
        for agent in tile.agents.values():
            agent.stop()
    mean_bl = {name: sum(b for n, b in bls if n == name) / max(1, sum(n == name for n, _ in bls))
               for name in (t.name for t in tiles)}
    return {
        "samples": samples, "seconds": wall, "samples_per_s": samples / wall,
        "sim_cycles": sim_cycles, "cycles_per_s": sim_cycles / wall,
        "mismatches": sb.mismatches, "compared": sb.compared,
        "ops": [{"tile": t, "op": op, "count": counts[(t, op)],
                 "cycles": cycles[(t, op)]} for (t, op) in sorted(counts)],
        "tiles": [{"name": f"tile{n}", **cfg.to_dict(), "mean_bl": mean_bl[f"tile{n}"]}
                  for n, cfg in enumerate(tile_cfgs)],
        "transfers_per_sample": job.transfers_per_sample,
    }


@cocotb.test()
async def bench(dut):
    samples = int(os.environ.get("AICORE_BENCH_SAMPLES", "200"))
    out = Path(os.environ["AICORE_OUT"])
    cocotb.start_soon(Clock(dut.clk, PERIOD_NS, unit="ns").start())
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    job = JobConfig()
    results = {"lockstep": await _train(dut, job, True, samples),
               "rtl_only": await _train(dut, job, False, samples)}
    (out / "bench.json").write_text(json.dumps(results, indent=2))

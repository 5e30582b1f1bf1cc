"""Assembly of the main job: datasets, device, arrays and tiles for each backend, run summaries.

`run_lockstep` runs inside the cocotb simulation (RTL + model, scoreboarded); `run_model` runs
the system model alone in plain asyncio. Both write the same `*_run.json` summary.
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np

from analog_models.crossbar import PeripheryParams
from analog_models.datasets import Dataset, load_csv, load_digits
from analog_models.presets import get_preset

from .backends import LockstepTile, ModelTile, Scoreboard
from .job import JobConfig
from .sequences import build_arrays, run_job


def load_dataset(job: JobConfig) -> Dataset:
    return load_digits(seed=0) if job.dataset == "digits" else load_csv(job.dataset, seed=0)


def device_dw_min(device) -> float:
    """Mean step of one pulse at the symmetry point: the update-management unit dw_min."""
    w_sym = device.symmetry_point()
    return float(device.dw_up * (1.0 - w_sym / device.w_max))


class _Progress:
    """tqdm bar per epoch, updated every few samples (the bar itself is not free)."""

    def __init__(self, epoch: int, epochs: int, total: int, label: str):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=f"{label} epoch {epoch + 1}/{epochs}", unit="sample",
                        leave=True, dynamic_ncols=True, mininterval=0.5)
        self.seen = 0

    def update(self, count: int, accuracy: float) -> None:
        if count - self.seen >= 16 or count == self.bar.total:
            self.bar.update(count - self.seen)
            self.bar.set_postfix(train_acc=f"{accuracy:.3f}", refresh=False)
            self.seen = count

    def close(self) -> None:
        self.bar.close()


def _progress_factory(job: JobConfig, label: str, enabled: bool):
    if not enabled:
        return None
    return lambda epoch, total: _Progress(epoch, job.epochs, total, label)


def setup_job(job: JobConfig):
    data = load_dataset(job)
    tile_cfgs = job.tile_configs(data.features, data.classes)
    device = get_preset(job.device)
    periphery = PeripheryParams()
    return data, tile_cfgs, device, periphery


def _summary(job, tiles, history, seconds: float, sb: Scoreboard | None, extra: dict) -> dict:
    return {
        "epoch_accuracy": history.epoch_accuracy,
        "epoch_model_accuracy": history.epoch_model_accuracy,
        "epoch_train_accuracy": history.epoch_train_accuracy,
        "inference": history.inference,
        "compared": sb.compared if sb else 0,
        "mismatches": sb.mismatches if sb else 0,
        "mismatch_reports": sb.reports if sb else [],
        "seconds": seconds,
        **extra,
    }


def _save_conductances(tiles, key: str, store: dict) -> None:
    for n, tile in enumerate(tiles):
        for name, arr in tile.arrays.items():
            store[f"{key}_tile{n}_{name}"] = arr.conductances()


def bind_rtl_tiles(dut, tile_cfgs, arrays) -> list:
    """One RtlTile per tile of the simulated top: bus driver on `t<n>_*`, and an agent binding
    arrays[n]["A"/"C"] to the macros `tile<n>.xbar_a/xbar_c` (agents started)."""
    import cocotb

    from .bus_driver import NativeBusDriver
    from .rtl_tile import RtlTile
    from .xbar_agent import XbarAgent

    tiles = []
    for n, cfg in enumerate(tile_cfgs):
        hier = getattr(dut, f"tile{n}")
        agents = {name: XbarAgent(getattr(hier, f"xbar_{name.lower()}"), arrays[n][name], cfg,
                                  f"tile{n}.{name}") for name in ("A", "C")}
        for agent in agents.values():
            agent.start(cocotb.start_soon)
        driver = NativeBusDriver(dut, f"t{n}_")
        driver.idle()
        tiles.append(RtlTile(cfg, driver, agents["A"], agents["C"]))
    return tiles


async def run_lockstep(dut, job: JobConfig, out: Path, progress: bool) -> dict:
    from cocotb.utils import get_sim_time

    data, tile_cfgs, device, periphery = setup_job(job)
    sb = Scoreboard(log=dut._log)
    rtl_tiles = bind_rtl_tiles(dut, tile_cfgs, build_arrays(job, tile_cfgs, device, periphery))
    model_arrays = build_arrays(job, tile_cfgs, device, periphery)
    tiles = []
    for n, (cfg, rtl) in enumerate(zip(tile_cfgs, rtl_tiles)):
        await rtl.check_info()
        model = ModelTile(cfg, model_arrays[n]["A"], model_arrays[n]["C"])
        tiles.append(LockstepTile(rtl, model, sb, f"tile{n}"))
    drivers = [rtl.bus for rtl in rtl_tiles]

    conductances: dict = {}
    start, sim_start = time.perf_counter(), get_sim_time("ns")
    _, history = await run_job(tiles, job, data, device_dw_min(device), periphery.out_bound,
                               _progress_factory(job, "RTL", progress),
                               log=lambda msg: dut._log.info(msg),
                               on_trained=lambda: _save_conductances(tiles, "trained",
                                                                     conductances))
    _save_conductances(tiles, "aged", conductances)
    seconds = time.perf_counter() - start
    cycles = (get_sim_time("ns") - sim_start) / 10.0
    stats = {}
    for driver in drivers:
        for op, (count, cyc) in driver.op_cycles.items():
            c0, y0 = stats.get(op, (0, 0))
            stats[op] = (c0 + count, y0 + cyc)
    summary = _summary(job, tiles, history, seconds, sb, {
        "backend": "rtl",
        "sim_cycles": cycles,
        "bus_transactions": sum(d.transactions for d in drivers),
        # Cycles from each CMD write to irq, per command; LOAD/READ finish at once, their data
        # words are counted in bus_transactions.
        "command_busy_cycles": {op: {"count": c, "cycles": y} for op, (c, y) in stats.items()},
    })
    np.savez_compressed(out / "conductances.npz", **conductances)
    (out / "rtl_run.json").write_text(json.dumps(summary, indent=2))
    return summary


def run_model(job: JobConfig, out: Path, progress: bool) -> dict:
    data, tile_cfgs, device, periphery = setup_job(job)
    arrays = build_arrays(job, tile_cfgs, device, periphery)
    tiles = [ModelTile(cfg, arrays[n]["A"], arrays[n]["C"]) for n, cfg in enumerate(tile_cfgs)]
    conductances: dict = {}
    start = time.perf_counter()
    _, history = asyncio.run(run_job(
        tiles, job, data, device_dw_min(device), periphery.out_bound,
        _progress_factory(job, "model", progress), log=lambda msg: None,
        on_trained=lambda: _save_conductances(tiles, "trained", conductances)))
    _save_conductances(tiles, "aged", conductances)
    summary = _summary(job, tiles, history, time.perf_counter() - start, None,
                       {"backend": "model"})
    np.savez_compressed(out / "conductances.npz", **conductances)
    (out / "model_run.json").write_text(json.dumps(summary, indent=2))
    return summary

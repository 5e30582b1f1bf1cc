"""cocotb test that runs the main job on the RTL, in lockstep with the system model.

Started by `aicore train` (verif.cli) through the cocotb runner. Reads the job from $AICORE_JOB,
writes `rtl_run.json` and `conductances.npz` into $AICORE_OUT.
"""
from __future__ import annotations

import os
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles

from .job import JobConfig
from .system import run_lockstep


@cocotb.test()
async def main_job(dut):
    job = JobConfig.load(Path(os.environ["AICORE_JOB"]))
    out = Path(os.environ["AICORE_OUT"])
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    profile_path = os.environ.get("AICORE_PROFILE")
    if profile_path:  # cProfile of all Python work in the simulator process (developer aid)
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    summary = await run_lockstep(dut, job, out, progress=os.environ.get("AICORE_PROGRESS") == "1")
    if profile_path:
        profiler.disable()
        profiler.dump_stats(profile_path)
    assert summary["mismatches"] == 0, (
        f"{summary['mismatches']} RTL-vs-model mismatches; first: {summary['mismatch_reports'][:3]}")

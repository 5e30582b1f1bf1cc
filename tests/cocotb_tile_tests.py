"""cocotb tests of the emitted RTL (rtl/aicore_mlp.v + rtl/reram_xbar.v) under Verilator.

Run by tests/test_rtl_sim.py through verif.runner. Tile 0 is 65x32, tile 1 is 33x10 (the
default configuration). Each test resets the design; agents bind the analog model to the macros.
"""
from __future__ import annotations

import os
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from analog_models.crossbar import CrossbarArray, PeripheryParams
from analog_models.presets import get_preset
from hdl_gen.emit import DEFAULT_TILES
from verif import bus_driver as bus
from verif.backends import LockstepTile, ModelTile, Scoreboard
from verif.job import JobConfig
from verif.rtl_tile import RtlTile
from verif.system import run_lockstep
from verif.xbar_agent import XbarAgent


async def reset(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    for n in range(len(DEFAULT_TILES)):
        bus.NativeBusDriver(dut, f"t{n}_").idle()
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 2)


def rtl_tile(dut, n: int, seed: int = 5, with_agents: bool = True):
    cfg = DEFAULT_TILES[n]
    device, periphery = get_preset("cmo_hfox"), PeripheryParams()
    arrays = {name: CrossbarArray(cfg.rows, cfg.cols, device, periphery, cfg.adc_bits,
                                  seed * 10 + i) for i, name in enumerate("AC")}
    hier = getattr(dut, f"tile{n}")
    agents = {name: XbarAgent(getattr(hier, f"xbar_{name.lower()}"), arrays[name], cfg, name)
              for name in "AC"}
    if with_agents:
        for agent in agents.values():
            agent.start(cocotb.start_soon)
    return RtlTile(cfg, bus.NativeBusDriver(dut, f"t{n}_"), agents["A"], agents["C"])


async def expect_error(driver, word: int, code: int) -> None:
    try:
        await driver.command(word, "probe")
    except bus.TileError as err:
        assert err.status.code == code, f"expected error {bus.ERR_NAMES[code]}, got {err}"
        status = await driver.status()
        assert not status.error and not status.busy, f"error not cleared / not idle: {status}"
        return
    raise AssertionError(f"command {word:#x} should fail with {bus.ERR_NAMES[code]}")


@cocotb.test()
async def info_registers_report_the_configuration(dut):
    await reset(dut)
    for n in range(len(DEFAULT_TILES)):
        await rtl_tile(dut, n, with_agents=False).check_info()


@cocotb.test()
async def illegal_commands_set_error_and_return_to_idle(dut):
    await reset(dut)
    tile = rtl_tile(dut, 0)
    d = tile.bus
    for op in range(8, 16):
        await expect_error(d, bus.cmd_word(op), 1)                                 # ILLEGAL_OP
    await expect_error(d, bus.cmd_word(bus.OP_UPDATE, arg8=0), 2)                  # BL = 0
    await expect_error(d, bus.cmd_word(bus.OP_UPDATE, arg8=tile.cfg.max_bl + 1), 2)
    await expect_error(d, bus.cmd_word(bus.OP_TRANSFER, arg16=tile.cfg.rows), 2)   # row >= R
    await expect_error(d, bus.cmd_word(bus.OP_LOAD, arg8=4), 2)                    # not loadable
    await expect_error(d, bus.cmd_word(bus.OP_READ, arg8=2), 2)                    # not readable
    await d.write(bus.THRESH, 0)
    await expect_error(d, bus.cmd_word(bus.OP_TRANSFER, arg16=0), 2)               # T = 0
    await d.write(bus.THRESH, 3)
    # OVERRUN: one word more than XIN holds.
    await d.command(bus.cmd_word(bus.OP_LOAD, arg8=bus.BUF_XIN))
    await d.write_burst(bus.DATA, [0] * (-(-tile.cfg.rows // 4) + 1))
    status = await d.status()
    assert status.error and status.code == 4, status
    await d.write(bus.STATUS, 0b110)
    # BAD_ADDR
    await d.write(0xF, 1)
    status = await d.status()
    assert status.error and status.code == 6, status
    await d.write(bus.STATUS, 0b110)
    # After all that the tile still computes.
    result = await tile.forward(np.full(tile.cfg.rows, 10, dtype=np.int8))
    assert result.out.shape == (tile.cfg.cols,)


@cocotb.test()
async def command_while_busy_is_refused_and_the_running_one_completes(dut):
    await reset(dut)
    tile = rtl_tile(dut, 1)
    d = tile.bus
    await tile.update(np.full(tile.cfg.rows, 60, np.int8), np.full(tile.cfg.cols, 60, np.int8),
                      tile.cfg.max_bl, "A")
    updates = tile.agents["A"].updates
    await d.write(bus.CMD, bus.cmd_word(bus.OP_UPDATE, array_a=True, arg8=tile.cfg.max_bl))
    await d.write(bus.CMD, bus.cmd_word(bus.OP_NOP))  # while the update runs
    status = await d.status()
    assert status.busy and status.error and status.code == 3, status
    while (await d.status()).busy:
        await ClockCycles(dut.clk, 16)
    status = await d.status()
    assert status.done, status
    await ClockCycles(dut.clk, 2)
    assert tile.agents["A"].updates == updates + 1
    slots = len(tile.agents["A"].last_record[2])
    assert slots == 4 * tile.cfg.max_bl, slots


@cocotb.test()
async def silent_macro_gives_timeout_not_a_hang(dut):
    await reset(dut)
    tile = rtl_tile(dut, 1, with_agents=False)  # nobody answers the ADC
    await tile._load(bus.BUF_XIN, np.ones(tile.cfg.rows, np.int8))
    await expect_error(tile.bus, bus.cmd_word(bus.OP_FORWARD), 5)


@cocotb.test()
async def commands_match_the_system_model(dut):
    """Directed sequence on tile 0: reads with bound management, updates, transfers, H."""
    await reset(dut)
    rtl = rtl_tile(dut, 0, seed=11)
    cfg = rtl.cfg
    device, periphery = get_preset("cmo_hfox"), PeripheryParams()
    model_arrays = [CrossbarArray(cfg.rows, cfg.cols, device, periphery, cfg.adc_bits, 110 + i)
                    for i in range(2)]
    sb = Scoreboard(log=dut._log)
    tile = LockstepTile(rtl, ModelTile(cfg, *model_arrays), sb, "tile0")
    rng = np.random.default_rng(3)
    tile.analog("program", rng.uniform(-0.9, 0.9, (cfg.rows, cfg.cols)), array="C")
    tile.analog("program", rng.uniform(-0.5, 0.5, (cfg.rows, cfg.cols)), array="A")
    await tile.set_seed(1234)
    await tile.set_thresh(2)
    saw_shift = False
    for _ in range(6):
        big = await tile.forward(np.full(cfg.rows, 63, np.int8))  # saturates: retries
        saw_shift |= big.shift > 0
        await tile.forward(rng.integers(-63, 64, cfg.rows).astype(np.int8), "A")
        await tile.backward(rng.integers(-63, 64, cfg.cols).astype(np.int8))
        await tile.update(rng.integers(-127, 128, cfg.rows).astype(np.int8),
                          rng.integers(-127, 128, cfg.cols).astype(np.int8),
                          int(rng.integers(1, cfg.max_bl + 1)), "A")
        await tile.update(rng.integers(-20, 21, cfg.rows).astype(np.int8),
                          rng.integers(-20, 21, cfg.cols).astype(np.int8), 3, "C")
        for row in rng.integers(0, cfg.rows, 3):
            await tile.transfer(int(row), bool(rng.integers(0, 2)))
            await tile.read_h_row(int(row))
    await tile.clear_h()
    assert not (await tile.read_h_row(0)).any()
    assert saw_shift, "bound management never triggered"
    assert sb.compared > 1000
    assert sb.mismatches == 0, sb.reports[:5]


@cocotb.test()
async def short_training_run_in_lockstep(dut):
    await reset(dut)
    out = Path(os.environ.get("AICORE_TEST_OUT", "."))
    job = JobConfig(epochs=1, train_limit=24, test_limit=16, aging=(1.0, 3.15e8))
    summary = await run_lockstep(dut, job, out, progress=False)
    assert summary["compared"] > 10000
    assert summary["mismatches"] == 0, summary["mismatch_reports"][:5]
    assert len(summary["inference"]) == 2

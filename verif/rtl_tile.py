"""`RtlTile`: the tile backend that runs commands on the simulated RTL.

It pairs the bus driver (digital side) with one agent per crossbar macro (analog side) and
implements the same interface as `verif.backends.ModelTile`.
"""
from __future__ import annotations

import numpy as np

from analog_models.config import TileConfig

from . import bus_driver as bus
from .backends import ReadResult, analog_call
from .bitpack import lanes_from_words, words_from_lanes
from .xbar_agent import XbarAgent


class RtlTile:
    def __init__(self, cfg: TileConfig, driver: bus.NativeBusDriver, agent_a: XbarAgent,
                 agent_c: XbarAgent):
        self.cfg = cfg
        self.bus = driver
        self.agents = {"A": agent_a, "C": agent_c}
        self.arrays = {"A": agent_a.array, "C": agent_c.array}
        self._loaded = {}  # buffer id -> last vector written, to skip identical reloads

    async def check_info(self) -> None:
        """The generated hardware must be the configuration the testbench expects."""
        info0 = await self.bus.read(bus.INFO0)
        info1 = await self.bus.read(bus.INFO1)
        got = (info0 & 0xFFF, info0 >> 12 & 0xFFF, info1 & 0xF, info1 >> 4 & 0xF,
               info1 >> 8 & 0x3F, info1 >> 14 & 0x3F)
        want = (self.cfg.rows, self.cfg.cols, self.cfg.dac_bits, self.cfg.adc_bits,
                self.cfg.max_bl, self.cfg.acc_width)
        if got != want:
            raise RuntimeError(f"tile INFO registers report (rows, cols, dac_bits, adc_bits, "
                               f"max_bl, acc_width) = {got}, testbench expects {want}")

    async def _load(self, buffer: int, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.int64)
        previous = self._loaded.get(buffer)
        if previous is not None and np.array_equal(previous, values):
            return
        await self.bus.command(bus.cmd_word(bus.OP_LOAD, arg8=buffer), "LOAD")
        await self.bus.write_burst(bus.DATA, words_from_lanes(values, 8))
        self._loaded[buffer] = values.copy()

    async def _read_out(self, buffer: int, count: int, arg16: int = 0) -> np.ndarray:
        await self.bus.command(bus.cmd_word(bus.OP_READ, arg8=buffer, arg16=arg16), "READ")
        if buffer == bus.BUF_H:
            words = await self.bus.read_burst(bus.DATA, count)
            return lanes_from_words(words, 32, count)
        words = await self.bus.read_burst(bus.DATA, -(-count // 2))
        return lanes_from_words(words, 16, count)

    async def _mvm(self, op: int, in_buf: int, out_buf: int, codes, n_out: int,
                   array: str, name: str) -> ReadResult:
        await self._load(in_buf, codes)
        status = await self.bus.command(bus.cmd_word(op, array_a=array == "A"), name)
        out = await self._read_out(out_buf, n_out)
        return ReadResult(out, status.bm_shift, status.saturated)

    async def forward(self, codes, array: str = "C") -> ReadResult:
        return await self._mvm(bus.OP_FORWARD, bus.BUF_XIN, bus.BUF_YCOL, codes, self.cfg.cols,
                               array, "FORWARD")

    async def backward(self, codes, array: str = "C") -> ReadResult:
        return await self._mvm(bus.OP_BACKWARD, bus.BUF_DIN, bus.BUF_YROW, codes, self.cfg.rows,
                               array, "BACKWARD")

    async def update(self, px, pd, bl: int, array: str) -> None:
        await self._load(bus.BUF_PX, px)
        await self._load(bus.BUF_PD, pd)
        await self.bus.command(bus.cmd_word(bus.OP_UPDATE, array_a=array == "A", arg8=bl),
                               "UPDATE")

    async def transfer(self, row: int, negative: bool) -> np.ndarray:
        await self.bus.command(bus.cmd_word(bus.OP_TRANSFER, negative=negative, arg16=row),
                               "TRANSFER")
        return await self._read_out(bus.BUF_YCOL, self.cfg.cols)

    async def clear_h(self) -> None:
        await self.bus.command(bus.cmd_word(bus.OP_CLEAR_H), "CLEAR_H")

    async def set_thresh(self, value: int) -> None:
        await self.bus.write(bus.THRESH, value)

    async def set_seed(self, value: int) -> None:
        await self.bus.write(bus.SEED, value)

    async def read_h_row(self, row: int) -> np.ndarray:
        return await self._read_out(bus.BUF_H, self.cfg.cols, arg16=row)

    def last_record(self, array: str):
        return self.agents[array].last_record

    def analog(self, method: str, *args, array: str | None = None) -> None:
        """Device physics behind the macro pins (see backends.analog_call)."""
        analog_call(self.arrays, method, *args, array=array)

"""Tile backends: one command-level interface, three implementations.

`ModelTile` runs the golden system model (`analog_models.tile_model.TileModel`), `RtlTile`
(in `verif.rtl_tile`) drives the simulated RTL through its bus, and `LockstepTile` runs both and
has the scoreboard compare every result. The training sequences (`verif.sequences`) only see
this interface, so the same code trains on the model alone or on RTL + model in lockstep.

Besides the bus commands, a backend exposes the analog side of its two arrays (`arrays`):
initial programming and aging act on the device physics, not through the digital periphery.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analog_models.config import TileConfig
from analog_models.crossbar import CrossbarArray
from analog_models.tile_model import TileModel


def analog_call(arrays: dict, method: str, *args, array: str | None = None) -> None:
    """Device-physics action (program, settle, age) on one array or on both.

    These act behind the macro pins, on the analog model itself, like a probe station would:
    initial programming, symmetry-point preparation, and time passing for drift.
    """
    for name in ([array] if array else sorted(arrays)):
        getattr(arrays[name], method)(*args)


@dataclass(frozen=True)
class ReadResult:
    out: np.ndarray  # int16-range ADC results, already shifted back by bm_shift
    shift: int
    saturated: bool


class ModelTile:
    """Async facade over the system model, so sequences can await any backend alike."""

    def __init__(self, cfg: TileConfig, array_a: CrossbarArray, array_c: CrossbarArray):
        self.cfg = cfg
        self.arrays = {"A": array_a, "C": array_c}
        self.model = TileModel(cfg, array_a, array_c)

    async def forward(self, codes: np.ndarray, array: str = "C") -> ReadResult:
        return ReadResult(*self._as_tuple(self.model.forward(codes, array)))

    async def backward(self, codes: np.ndarray, array: str = "C") -> ReadResult:
        return ReadResult(*self._as_tuple(self.model.backward(codes, array)))

    async def update(self, px: np.ndarray, pd: np.ndarray, bl: int, array: str) -> None:
        self.model.update(px, pd, bl, array)

    async def transfer(self, row: int, negative: bool) -> np.ndarray:
        return np.asarray(self.model.transfer(row, negative), dtype=np.int64)

    async def clear_h(self) -> None:
        self.model.clear_h()

    async def set_thresh(self, value: int) -> None:
        self.model.set_thresh(value)

    async def set_seed(self, value: int) -> None:
        self.model.set_seed(value)

    async def read_h_row(self, row: int) -> np.ndarray:
        return np.asarray(self.model.H[row], dtype=np.int64)

    def analog(self, method: str, *args, array: str | None = None) -> None:
        analog_call(self.arrays, method, *args, array=array)

    @staticmethod
    def _as_tuple(result) -> tuple[np.ndarray, int, bool]:
        out, shift, saturated = result
        return np.asarray(out, dtype=np.int64), int(shift), bool(saturated)


class Mismatch(AssertionError):
    pass


class Scoreboard:
    """Counts RTL-vs-model comparisons and mismatches, transaction by transaction."""

    def __init__(self, log=None, max_reports: int = 20):
        self.compared = 0
        self.mismatches = 0
        self.reports: list[str] = []
        self.log = log
        self.max_reports = max_reports

    def check(self, what: str, rtl, model) -> None:
        rtl_a, model_a = np.asarray(rtl), np.asarray(model)
        self.compared += max(rtl_a.size, 1)
        if rtl_a.shape != model_a.shape:
            bad = max(rtl_a.size, model_a.size, 1)
        else:
            bad = int(np.count_nonzero(rtl_a != model_a))
        if bad:
            self.mismatches += bad
            if len(self.reports) < self.max_reports:
                text = f"{what}: {bad} differing element(s); rtl={rtl_a.tolist()} model={model_a.tolist()}"
                self.reports.append(text[:600])
                if self.log:
                    self.log.error("scoreboard mismatch: %s", text[:600])


class LockstepTile:
    """Issues every command to the RTL and to the model; the scoreboard compares the results.

    The RTL's results drive the host's next step; the model follows in lockstep with its own
    array state, so any divergence shows up as mismatches rather than being masked.
    """

    def __init__(self, rtl, model: ModelTile, scoreboard: Scoreboard, name: str):
        self.rtl, self.model, self.sb, self.name = rtl, model, scoreboard, name
        self.cfg = rtl.cfg

    @property
    def arrays(self):
        return self.rtl.arrays

    @property
    def model_arrays(self):
        return self.model.arrays

    async def _read(self, op: str, codes, array: str) -> ReadResult:
        got = await getattr(self.rtl, op)(codes, array)
        want = await getattr(self.model, op)(codes, array)
        self.sb.check(f"{self.name}.{op}[{array}].out", got.out, want.out)
        self.sb.check(f"{self.name}.{op}[{array}].status",
                      [got.shift, got.saturated], [want.shift, want.saturated])
        self.last_model_result = want
        return got

    async def forward(self, codes, array: str = "C") -> ReadResult:
        return await self._read("forward", codes, array)

    async def backward(self, codes, array: str = "C") -> ReadResult:
        return await self._read("backward", codes, array)

    async def update(self, px, pd, bl: int, array: str) -> None:
        await self.rtl.update(px, pd, bl, array)
        await self.model.update(px, pd, bl, array)
        self._check_record(f"{self.name}.update[{array}]", array)

    async def transfer(self, row: int, negative: bool) -> np.ndarray:
        got = await self.rtl.transfer(row, negative)
        want = await self.model.transfer(row, negative)
        self.sb.check(f"{self.name}.transfer[{row}].read", got, want)
        self._check_record(f"{self.name}.transfer[{row}]", "C")
        return got

    def _check_record(self, what: str, array: str) -> None:
        """Pulse trains seen on the macro pins against the model's trains, slot by slot."""
        got = self.rtl.last_record(array)
        want = self.model.model.last_record
        for name, g, w in zip(("rows", "cols", "set"), got, want):
            self.sb.check(f"{what}.pulses.{name}", np.asarray(g, dtype=bool),
                          np.asarray(w, dtype=bool))

    async def clear_h(self) -> None:
        await self.rtl.clear_h()
        await self.model.clear_h()

    async def set_thresh(self, value: int) -> None:
        await self.rtl.set_thresh(value)
        await self.model.set_thresh(value)

    async def set_seed(self, value: int) -> None:
        await self.rtl.set_seed(value)
        await self.model.set_seed(value)

    def analog(self, method: str, *args, array: str | None = None) -> None:
        self.rtl.analog(method, *args, array=array)
        self.model.analog(method, *args, array=array)
        for name in ([array] if array else sorted(self.rtl.arrays)):
            self.sb.check(f"{self.name}.{method}[{name}].weights", self.rtl.arrays[name].weights,
                          self.model.arrays[name].weights)

    async def read_h_row(self, row: int) -> np.ndarray:
        got = await self.rtl.read_h_row(row)
        want = await self.model.read_h_row(row)
        self.sb.check(f"{self.name}.H[{row}]", got, want)
        return got

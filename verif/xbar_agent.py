"""The agent that binds the analog golden model to one `reram_xbar` macro instance.

The RTL drives the macro's pins; the behavioural macro records what happened on them (pulse
widths and polarities during an integration window, pulse trains during update slots). The
agent wakes once per analog phase, not per clock:

* `int_en` falls -> the window is over: read widths and polarities, compute the analog MVM and
  ADC codes with `CrossbarArray.read`, write them into the macro's `model_code`, set
  `model_valid`; the macro's ADC hands them to the RTL after its conversion latency.
* `upd_en` falls -> the update is over: read the slot record, turn coincidences into pulse counts
  per SET/RESET run (`coincidence_counts`) and apply them to the device model.
"""
from __future__ import annotations

import numpy as np
from cocotb.triggers import FallingEdge

from analog_models.config import TileConfig
from analog_models.crossbar import CrossbarArray, coincidence_counts

from .bitpack import pack_lanes, unpack_bool_matrix, unpack_lanes, int_to_bits

WIDTH_BITS = 8  # lane width of the macro's width counters (ARCHITECTURE section 3)


class XbarAgent:
    def __init__(self, macro, array: CrossbarArray, cfg: TileConfig, name: str):
        self.macro = macro
        self.array = array
        self.cfg = cfg
        self.name = name
        self.reads = 0
        self.updates = 0
        self.last_record = (np.zeros((0, cfg.rows), bool), np.zeros((0, cfg.cols), bool),
                            np.zeros(0, bool))
        self.last_inputs = None

    def start(self, start_soon) -> None:
        self._tasks = [start_soon(self._serve_reads()), start_soon(self._serve_updates())]

    def stop(self) -> None:
        """Detach from the macro (another agent may bind to it afterwards)."""
        for task in getattr(self, "_tasks", []):
            task.cancel()
        self._tasks = []

    async def _serve_reads(self) -> None:
        m, cfg = self.macro, self.cfg
        while True:
            await FallingEdge(m.int_en)
            transposed = bool(m.rd_dir.value)
            window = m.window_len.value.to_unsigned()
            if transposed:
                width = unpack_lanes(m.width_col.value.to_unsigned(), cfg.cols, WIDTH_BITS, False)
                neg = int_to_bits(m.neg_col.value.to_unsigned(), cfg.cols).astype(bool)
            else:
                width = unpack_lanes(m.width_row.value.to_unsigned(), cfg.rows, WIDTH_BITS, False)
                neg = int_to_bits(m.neg_row.value.to_unsigned(), cfg.rows).astype(bool)
            # Charge on each line is pulse width over window: the pulse-width DAC's output.
            x = np.where(neg, -1.0, 1.0) * width / max(window, 1)
            self.last_inputs = x
            codes = np.zeros(cfg.sense_lanes, dtype=np.int64)
            sensed = self.array.read(x, transposed)
            codes[:len(sensed)] = sensed
            m.model_code.value = pack_lanes(codes, cfg.adc_bits)
            m.model_valid.value = 1
            self.reads += 1

    async def _serve_updates(self) -> None:
        m, cfg = self.macro, self.cfg
        while True:
            await FallingEdge(m.upd_en)
            slots = m.rec_count.value.to_unsigned()
            rows = unpack_bool_matrix(m.rec_rows.value.to_unsigned(), cfg.max_slots, cfg.rows)
            cols = unpack_bool_matrix(m.rec_cols.value.to_unsigned(), cfg.max_slots, cfg.cols)
            sets = int_to_bits(m.rec_set.value.to_unsigned(), cfg.max_slots).astype(bool)
            record = rows[:slots], cols[:slots], sets[:slots]
            for counts, up in coincidence_counts(*record):
                self.array.apply_pulses(counts, up)
            self.last_record = record
            self.updates += 1

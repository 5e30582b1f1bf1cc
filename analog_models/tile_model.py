"""Bit-exact system model of the tile's digital semantics (ARCHITECTURE.md sections 4-7).

The model holds the tile's registers (THRESH, SEED), the transfer accumulator H, the pulse-train
generators and the read buffers YCOL / YROW, and drives two `CrossbarArray`s exactly as the RTL
drives its two macros: one `read` per ADC conversion (bound-management retries included), and
`coincidence_counts` + `apply_pulses` per update or transfer pulse record. With array copies
built from the same seeds, the RTL + macro agent and this model produce identical results.
"""
from __future__ import annotations

import numpy as np

from .config import TileConfig
from .crossbar import CrossbarArray, coincidence_counts

_MASK32 = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9
# (upd_set, sign of rows allowed to fire, sign of columns allowed to fire), section 5.
SUB_PHASES = ((True, False, False), (True, True, True), (False, False, True), (False, True, False))


def seed_states(seed: int, n_lines: int) -> np.ndarray:
    """Generator states after seeding: ((SEED ^ ((n + 1) * 0x9E3779B9)) mod 2**32) | 1."""
    n = np.arange(1, n_lines + 1, dtype=np.uint64)
    mixed = (n * np.uint64(_GOLDEN)) & np.uint64(_MASK32)  # < 2**43: no uint64 overflow
    return ((mixed ^ np.uint64(seed)) | np.uint64(1)).astype(np.uint32)


def xorshift32(x: np.ndarray) -> np.ndarray:
    """One xorshift32 step of every state (uint32 shifts drop the bits above 2**32)."""
    x = x ^ (x << np.uint32(13))
    x = x ^ (x >> np.uint32(17))
    return x ^ (x << np.uint32(5))


def _check_int(name: str, v, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(v)


def _check_lanes(name: str, v, n: int) -> np.ndarray:
    """An int8-lane vector of length n, as int64."""
    a = np.asarray(v)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        if not np.issubdtype(a.dtype, np.floating) or not np.all(a == np.round(a)):
            raise ValueError(f"{name} must hold integers (int8 lanes), got dtype {a.dtype}")
    a = a.astype(np.int64)
    if n and (a.min() < -128 or a.max() > 127):
        raise ValueError(f"{name} lanes must be in [-128, 127]")
    return a


class TileModel:
    """The tile's command semantics on two arrays: A (fast, updates) and C (slow, weights)."""

    def __init__(self, cfg: TileConfig, array_a: CrossbarArray, array_c: CrossbarArray):
        if not isinstance(cfg, TileConfig):
            raise ValueError(f"cfg must be a TileConfig, got {type(cfg).__name__}")
        for name, arr in (("array_a", array_a), ("array_c", array_c)):
            if not isinstance(arr, CrossbarArray):
                raise ValueError(f"{name} must be a CrossbarArray, got {type(arr).__name__}")
            if (arr.rows, arr.cols) != (cfg.rows, cfg.cols):
                raise ValueError(f"{name} is {arr.rows}x{arr.cols}, cfg is {cfg.rows}x{cfg.cols}")
            if arr.adc_bits != cfg.adc_bits:
                raise ValueError(f"{name}.adc_bits is {arr.adc_bits}, cfg.adc_bits is {cfg.adc_bits}")
        self.cfg = cfg
        self.arrays = {"A": array_a, "C": array_c}
        self.M, self.Q = cfg.dac_max, cfg.adc_max
        self.h_min, self.h_max = -(1 << (cfg.acc_width - 1)), (1 << (cfg.acc_width - 1)) - 1
        self.thresh = 1
        self.seed = 1
        self.H = np.zeros((cfg.rows, cfg.cols), dtype=np.int64)
        self.gen = seed_states(self.seed, cfg.rows + cfg.cols)
        self.ycol = np.zeros(cfg.cols, dtype=np.int16)
        self.yrow = np.zeros(cfg.rows, dtype=np.int16)
        self.bm_shift = 0        # STATUS[11:8] of the last read
        self.saturated = False   # STATUS[12] of the last read
        self.last_record: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------- registers
    def set_seed(self, seed: int) -> None:
        """SEED write: reseed every line generator."""
        self.seed = _check_int("seed", seed, 0, _MASK32)
        self.gen = seed_states(self.seed, self.cfg.rows + self.cfg.cols)

    def set_thresh(self, t: int) -> None:
        """THRESH write (unsigned 32-bit; 0 is storable but makes TRANSFER fail)."""
        self.thresh = _check_int("thresh", t, 0, _MASK32)

    def clear_h(self) -> None:
        self.H[:] = 0

    def _array(self, array: str) -> CrossbarArray:
        if array not in self.arrays:
            raise ValueError(f"array must be 'A' or 'C', got {array!r}")
        return self.arrays[array]

    # ------------------------------------------------------------- reads (section 4)
    def _read(self, xbar: CrossbarArray, codes: np.ndarray, transposed: bool,
              bound_management: bool) -> tuple[np.ndarray, int, bool]:
        c = np.clip(codes, -self.M, self.M)
        neg = c < 0
        s = 0
        while True:
            width = np.abs(c) >> s
            # Exactly the macro agent's x = (neg ? -1 : +1) * width / window_len, window_len == M.
            x = np.where(neg, -1.0, 1.0) * (width / self.M)
            q = xbar.read(x, transposed)
            sat = bool(np.any(np.abs(q) >= self.Q))
            if sat and bound_management and s < self.cfg.bm_retries:
                s += 1
                continue
            break
        # int16 lanes: wraps only for configs with adc_bits - 1 + bm_retries > 15.
        out = (q << s).astype(np.int16)
        self.bm_shift, self.saturated = s, sat
        return out, s, sat

    def forward(self, codes, array: str = "C") -> tuple[np.ndarray, int, bool]:
        """FORWARD: rows driven by `codes` (XIN), columns sensed -> (YCOL, bm_shift, saturated)."""
        xbar = self._array(array)
        codes = _check_lanes("codes", codes, self.cfg.rows)
        out, s, sat = self._read(xbar, codes, False, True)
        self.ycol = out
        return out.copy(), s, sat

    def backward(self, codes, array: str = "C") -> tuple[np.ndarray, int, bool]:
        """BACKWARD: columns driven by `codes` (DIN), rows sensed -> (YROW, bm_shift, saturated)."""
        xbar = self._array(array)
        codes = _check_lanes("codes", codes, self.cfg.cols)
        out, s, sat = self._read(xbar, codes, True, True)
        self.yrow = out
        return out.copy(), s, sat

    # ------------------------------------------------------------- update (sections 5, 6)
    def update(self, px, pd, bl: int, array: str) -> None:
        """UPDATE: stochastic outer product of PX (rows) and PD (cols) on `array`, BL slots per
        sub-phase. Records the slot-by-slot firing in `last_record`, then pulses the array."""
        xbar = self._array(array)
        bl = _check_int("bl", bl, 1, self.cfg.max_bl)
        px = _check_lanes("px", px, self.cfg.rows)
        pd = _check_lanes("pd", pd, self.cfg.cols)
        R, C = self.cfg.rows, self.cfg.cols
        m = np.minimum(np.abs(np.concatenate([px, pd])), 127).astype(np.uint32)
        neg = np.concatenate([px < 0, pd < 0])
        is_row = np.arange(R + C) < R
        slots = 4 * bl
        rec = np.zeros((slots, R + C), dtype=bool)
        rec_set = np.zeros(slots, dtype=bool)
        gen = self.gen
        for phase, (upd_set, row_neg, col_neg) in enumerate(SUB_PHASES):
            may = np.where(is_row, neg == row_neg, neg == col_neg)
            for k in range(phase * bl, (phase + 1) * bl):
                gen = xorshift32(gen)
                rec[k] = may & ((gen >> np.uint32(25)) < m)
                rec_set[k] = upd_set
        self.gen = gen
        self._pulse(xbar, rec[:, :R], rec[:, R:], rec_set)

    def _pulse(self, xbar: CrossbarArray, rec_rows, rec_cols, rec_set) -> None:
        self.last_record = (rec_rows, rec_cols, rec_set)
        for counts, up in coincidence_counts(rec_rows, rec_cols, rec_set):
            xbar.apply_pulses(counts, up)

    # ------------------------------------------------------------- transfer (section 7)
    def transfer(self, k: int, neg: bool) -> np.ndarray:
        """TRANSFER: read row k of A (one-hot, sign `neg`, no bound management), accumulate into
        H[k] with saturation, threshold, then one SET slot and one RESET slot on C.
        Returns the read q[cols] (also left in YCOL)."""
        k = _check_int("k", k, 0, self.cfg.rows - 1)
        if self.thresh == 0:
            raise ValueError("thresh must be > 0 for TRANSFER, got 0")
        codes = np.zeros(self.cfg.rows, dtype=np.int64)
        codes[k] = -self.M if neg else self.M
        q, _, _ = self._read(self.arrays["A"], codes, False, False)
        self.ycol = q
        q = q.astype(np.int64)
        h = np.clip(self.H[k] + q, self.h_min, self.h_max)
        up = h >= self.thresh
        down = ~up & (h <= -self.thresh)
        h = np.where(up, h - self.thresh, np.where(down, h + self.thresh, h))
        self.H[k] = h
        rows = np.zeros((2, self.cfg.rows), dtype=bool)
        rows[:, k] = True
        self._pulse(self.arrays["C"], rows, np.stack([up, down]), np.array([True, False]))
        return q.copy()

"""Pulsed soft-bounds model of the CMO/HfOx ReRAM cell (REFERENCE.md, "Soft-bounds device").

One pulse moves a device's weight by

    up (SET):     dw = +dw_up_ij   * (1 - w / w_max_ij) * (1 + dw_std * xi)
    down (RESET): dw = -dw_down_ij * (1 - w / w_min_ij) * (1 + dw_std * xi)

then clips to [w_min_ij, w_max_ij]; xi ~ N(0, 1) is drawn per pulse (cycle-to-cycle). The
per-device values dw_up_ij, dw_down_ij, w_min_ij, w_max_ij are drawn once (device-to-device)
when a `DeviceArray` is built. Weights map linearly to conductance (ARCHITECTURE.md section 8).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def check_real(name: str, value, lo: float, hi: float, *, lo_open: bool = False,
               hi_open: bool = False) -> None:
    """Raise ValueError naming `name` unless `value` is a finite real in the given range."""
    lb, rb = ("(" if lo_open else "["), (")" if hi_open else "]")
    allowed = f"{lb}{lo}, {hi}{rb}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number in {allowed}, got {value!r}")
    v = float(value)
    bad_lo = v <= lo if lo_open else v < lo
    bad_hi = v >= hi if hi_open else v > hi
    if not math.isfinite(v) or bad_lo or bad_hi:
        raise ValueError(f"{name} must be in {allowed}, got {value!r}")


@dataclass(frozen=True)
class DeviceParams:
    """Nominal parameters of the pulsed soft-bounds device.

    dw_up, dw_down   step of one SET / RESET pulse at w = 0, in weight units.
    w_min, w_max     nominal soft bounds (w_min < 0 < w_max; nominally -1 and +1).
    dw_dtod          device-to-device log-normal sigma of the common step scale.
    up_down_dtod     device-to-device log-normal sigma of the up/down step ratio (moves each
                     device's symmetry point).
    w_bounds_dtod    device-to-device log-normal sigma of |w_min| and w_max (independent).
    dw_std           cycle-to-cycle noise of one step, relative to the step.
    g_min, g_max     conductance (uS) at w_min and w_max; w maps linearly in between.
    """

    dw_up: float = 0.01
    dw_down: float = 0.01
    w_min: float = -1.0
    w_max: float = 1.0
    dw_dtod: float = 0.0
    up_down_dtod: float = 0.0
    w_bounds_dtod: float = 0.0
    dw_std: float = 0.0
    g_min: float = 10.0
    g_max: float = 90.0

    def __post_init__(self) -> None:
        check_real("w_min", self.w_min, -10.0, 0.0, hi_open=True)
        check_real("w_max", self.w_max, 0.0, 10.0, lo_open=True)
        span = self.w_max - self.w_min
        check_real("dw_up", self.dw_up, 0.0, span, lo_open=True)
        check_real("dw_down", self.dw_down, 0.0, span, lo_open=True)
        check_real("dw_dtod", self.dw_dtod, 0.0, 1.0)
        check_real("up_down_dtod", self.up_down_dtod, 0.0, 1.0)
        check_real("w_bounds_dtod", self.w_bounds_dtod, 0.0, 0.5)
        check_real("dw_std", self.dw_std, 0.0, 2.0)
        check_real("g_min", self.g_min, 0.0, 1000.0, lo_open=True)
        check_real("g_max", self.g_max, float(self.g_min), 1000.0, lo_open=True)

    # Weight <-> conductance (ARCHITECTURE.md section 8): g = g_mid + w * g_half.
    @property
    def g_half(self) -> float:
        """Conductance per unit weight in uS (40 for [-1, 1] -> [10, 90] uS)."""
        return (self.g_max - self.g_min) / (self.w_max - self.w_min)

    @property
    def g_mid(self) -> float:
        """Conductance of w = 0 in uS, the reference the read is taken against (50 nominal)."""
        return self.g_min - self.w_min * self.g_half

    def w_to_g(self, w) -> np.ndarray:
        return self.g_mid + np.asarray(w, dtype=np.float64) * self.g_half

    def g_to_w(self, g) -> np.ndarray:
        return (np.asarray(g, dtype=np.float64) - self.g_mid) / self.g_half

    def symmetry_point(self) -> float:
        """Nominal weight where the up and down steps are equal in size."""
        a, b = self.dw_up, self.dw_down
        return (a - b) / (a / self.w_max - b / self.w_min)


class DeviceArray:
    """Per-device parameters of a rows x cols array, drawn once from `rng`.

    The d2d draws always consume 4 * rows * cols normals, whatever the spreads, so the stream
    position after construction depends only on the shape.
    """

    def __init__(self, params: DeviceParams, rows: int, cols: int, rng: np.random.Generator):
        if not isinstance(params, DeviceParams):
            raise ValueError(f"params must be a DeviceParams, got {type(params).__name__}")
        for name, v in (("rows", rows), ("cols", cols)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        self.params = params
        self.shape = (int(rows), int(cols))
        p = params
        xi = rng.standard_normal((4,) + self.shape)
        scale = p.dw_dtod * xi[0]
        ratio = p.up_down_dtod * xi[1]
        self.dw_up = p.dw_up * np.exp(scale + ratio)
        self.dw_down = p.dw_down * np.exp(scale - ratio)
        self.w_max = p.w_max * np.exp(p.w_bounds_dtod * xi[2])
        self.w_min = p.w_min * np.exp(p.w_bounds_dtod * xi[3])
        for a in (self.dw_up, self.dw_down, self.w_max, self.w_min):
            a.setflags(write=False)

    def symmetry_point(self) -> np.ndarray:
        """Per-device weight where the expected up and down steps are equal in size."""
        a, b = self.dw_up, self.dw_down
        return (a - b) / (a / self.w_max - b / self.w_min)

    def mean_step(self, w, up: bool) -> np.ndarray:
        """Expected (noise-free) signed step of one pulse at weights `w`."""
        w = np.asarray(w, dtype=np.float64)
        if up:
            return self.dw_up * (1.0 - w / self.w_max)
        return -self.dw_down * (1.0 - w / self.w_min)

    def clip(self, w) -> np.ndarray:
        """Weights clipped to each device's bounds."""
        return np.clip(np.asarray(w, dtype=np.float64), self.w_min, self.w_max)

    def apply_pulses(self, w, counts, up: bool, rng: np.random.Generator) -> np.ndarray:
        """Return the weights after `counts[i, j]` successive pulses of one polarity.

        Pulse k (k < max(counts)) reaches the devices with counts > k; one normal is drawn per
        such device, in row-major order. The RNG consumption is therefore sum(counts) normals,
        a pure function of `counts`. `w` is not modified.
        """
        w = np.array(w, dtype=np.float64)
        counts = np.asarray(counts)
        if w.shape != self.shape:
            raise ValueError(f"w must have shape {self.shape}, got {w.shape}")
        if counts.shape != self.shape:
            raise ValueError(f"counts must have shape {self.shape}, got {counts.shape}")
        if counts.dtype != np.bool_ and not np.issubdtype(counts.dtype, np.integer):
            raise ValueError(f"counts must be an integer array, got dtype {counts.dtype}")
        counts = counts.astype(np.int64).ravel()
        if counts.size and counts.min() < 0:
            raise ValueError("counts must be non-negative")
        flat = w.ravel()  # a view: updates land in w
        if up:
            step, bound = self.dw_up.ravel(), self.w_max.ravel()
        else:
            step, bound = -self.dw_down.ravel(), self.w_min.ravel()
        lo, hi = self.w_min.ravel(), self.w_max.ravel()
        s = self.params.dw_std
        n_max = int(counts.max()) if counts.size else 0
        for k in range(n_max):
            idx = np.flatnonzero(counts > k)
            xi = rng.standard_normal(idx.size)
            wa = flat[idx]
            wa = wa + step[idx] * (1.0 - wa / bound[idx]) * (1.0 + s * xi)
            flat[idx] = np.minimum(np.maximum(wa, lo[idx]), hi[idx])
        return w

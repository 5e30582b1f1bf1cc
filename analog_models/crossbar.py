"""One ReRAM crossbar array with its read periphery (ARCHITECTURE.md sections 3 and 8).

A `CrossbarArray` owns a single `np.random.Generator(seed)` and draws every random number from
it (d2d parameters at construction, then read noise, pulse noise, programming noise, drift), so
two instances built with the same arguments and driven by the same call sequence stay
bit-identical. This is what lets the testbench's macro agent and the tile model each hold a copy
of "the same" physical array.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import noise as nz
from .device import DeviceArray, DeviceParams, check_real


@dataclass(frozen=True)
class PeripheryParams:
    """Analog read periphery.

    out_bound  ADC full scale in units of max input x max weight: y = +-out_bound maps to
               code +-Q (section 8).
    out_noise  std of the additive output noise per sense line and read, weight units.
    w_noise    std of the short-term read noise per device and read, weight units;
               None means 1 % of the device's weight range, 0.01 * (w_max - w_min).
    """

    out_bound: float = 12.0
    out_noise: float = 0.06
    w_noise: float | None = None

    def __post_init__(self) -> None:
        check_real("out_bound", self.out_bound, 0.0, 1e6, lo_open=True)
        check_real("out_noise", self.out_noise, 0.0, 1e3)
        if self.w_noise is not None:
            check_real("w_noise", self.w_noise, 0.0, 10.0)

    def w_noise_for(self, device: DeviceParams) -> float:
        """Resolved per-device read noise std for `device`."""
        if self.w_noise is None:
            return 0.01 * (device.w_max - device.w_min)
        return float(self.w_noise)


def _check_pos_int(name: str, v, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(v)


class CrossbarArray:
    """A rows x cols array of soft-bounds devices with a DAC-driven read and an ADC.

    Modes: short-term (training) reads use the true weights plus per-read noise; after
    `start_inference()` reads use the programmed conductances drifted to the time chosen by
    `set_time()`, with the long-term read noise of `analog_models.noise`, plus the short-term
    read noise. Pulsing and programming are refused during inference.
    """

    def __init__(self, rows: int, cols: int, device: DeviceParams, periphery: PeripheryParams,
                 adc_bits: int, seed: int, noise: nz.CmoNoiseParams | None = None):
        self.rows = _check_pos_int("rows", rows, 1, 1 << 16)
        self.cols = _check_pos_int("cols", cols, 1, 1 << 16)
        self.adc_bits = _check_pos_int("adc_bits", adc_bits, 2, 24)
        self.seed = _check_pos_int("seed", seed, 0, (1 << 63) - 1)
        if not isinstance(device, DeviceParams):
            raise ValueError(f"device must be a DeviceParams, got {type(device).__name__}")
        if not isinstance(periphery, PeripheryParams):
            raise ValueError(f"periphery must be a PeripheryParams, got {type(periphery).__name__}")
        noise = nz.CmoNoiseParams() if noise is None else noise
        if not isinstance(noise, nz.CmoNoiseParams):
            raise ValueError(f"noise must be a CmoNoiseParams, got {type(noise).__name__}")
        self.device, self.periphery, self.noise = device, periphery, noise
        self.adc_max = (1 << (self.adc_bits - 1)) - 1
        self.w_noise = periphery.w_noise_for(device)
        self._rng = np.random.Generator(np.random.PCG64(self.seed))
        self.devices = DeviceArray(device, self.rows, self.cols, self._rng)
        self._w = np.zeros((self.rows, self.cols))  # 0 lies inside every device's bounds
        # Per-device weight of the reference the read is differential against: 0 (g_mid) by
        # default; `set_reference_to_state` moves it to a measured state (e.g. the symmetry point).
        self._w_ref = np.zeros((self.rows, self.cols))
        self._g0 = self._z = None
        self._t = 0.0

    # ----------------------------------------------------------------- state
    @property
    def weights(self) -> np.ndarray:
        """True device weights (copy), rows x cols."""
        return self._w.copy()

    @property
    def in_inference(self) -> bool:
        return self._g0 is not None

    @property
    def time(self) -> float:
        """Inference time in seconds after programming (0 outside inference)."""
        return self._t

    def conductances(self) -> np.ndarray:
        """Device conductances in uS now: w mapped linearly, or, during inference, the
        programmed conductances drifted to the current time (without per-read noise)."""
        if not self.in_inference:
            return self.device.w_to_g(self._w)
        if self._t == 0.0:
            return self._g0.copy()
        return nz.clamp_conductance(nz.drifted_conductance(self._g0, self._z, self._t, self.noise),
                                    self.noise)

    def _require_training(self, what: str) -> None:
        if self.in_inference:
            raise RuntimeError(f"{what} during inference: call stop_inference() first")

    # ----------------------------------------------------------------- write
    def program(self, w_target) -> None:
        """Closed-loop programming of all devices to `w_target` (weight units).

        Targets are clipped to each device's bounds, converted to conductance, perturbed by the
        programming noise of the configured acceptance band, converted back and clipped again.
        """
        self._require_training("program()")
        w_target = np.asarray(w_target, dtype=np.float64)
        if w_target.shape != (self.rows, self.cols):
            raise ValueError(f"w_target must have shape {(self.rows, self.cols)}, got {w_target.shape}")
        if not np.all(np.isfinite(w_target)):
            raise ValueError("w_target must be finite")
        g = self.device.w_to_g(self.devices.clip(w_target))
        g = nz.program_conductance(g, self.noise, self._rng)
        self._w = self.devices.clip(self.device.g_to_w(g))

    def apply_pulses(self, counts, up: bool) -> None:
        """Apply counts[i, j] successive pulses of polarity `up` (True = SET) to device (i, j)."""
        self._require_training("apply_pulses()")
        self._w = self.devices.apply_pulses(self._w, counts, bool(up), self._rng)

    def settle_to_symmetry_point(self, cycles: int) -> None:
        """Alternate one SET and one RESET pulse on every device `cycles` times.

        Soft-bounds devices converge to the weight where up and down steps balance, their
        symmetry point; this is how a fast Tiki-Taka array is prepared (Gokmen 2021).
        """
        self._require_training("settle_to_symmetry_point()")
        cycles = _check_pos_int("cycles", cycles, 1, 100000)
        ones = np.ones((self.rows, self.cols), dtype=np.int64)
        for _ in range(cycles):
            self._w = self.devices.apply_pulses(self._w, ones, True, self._rng)
            self._w = self.devices.apply_pulses(self._w, ones, False, self._rng)

    def set_reference_to_state(self) -> None:
        """Program the reference devices to the current conductances (with programming noise).

        Reads are then differential against this state ("zero shifting"): after
        `settle_to_symmetry_point`, a read returns each device's distance from its own symmetry
        point, so the device's asymmetry no longer biases what is read.
        """
        self._require_training("set_reference_to_state()")
        g = nz.program_conductance(self.device.w_to_g(self._w), self.noise, self._rng)
        self._w_ref = self.device.g_to_w(g)

    @property
    def reference(self) -> np.ndarray:
        """Per-device reference weight the reads are taken against (copy)."""
        return self._w_ref.copy()

    # ----------------------------------------------------------------- read
    def effective_weights(self) -> np.ndarray:
        """Weights one read sees, relative to the reference (draws this read's device noise)."""
        if self.in_inference:
            g = nz.inference_conductance(self._g0, self._z, self._t, self.noise, self._rng)
            w = self.device.g_to_w(g)
        else:
            w = self._w
        if self.w_noise > 0.0:
            w = w + self.w_noise * self._rng.standard_normal(w.shape)
        return w - self._w_ref

    def read(self, x, transposed: bool = False) -> np.ndarray:
        """One analog MVM and ADC conversion; returns int64 codes in [-Q, Q].

        Forward: x has `rows` entries, y_j = sum_i w_ij x_i. Transposed: x has `cols` entries,
        y_i = sum_j w_ij x_j. y gets N(0, out_noise) per sense line, then
        q = clip(rint(y * Q / out_bound), -Q, Q) (round half to even).
        """
        n_in = self.cols if transposed else self.rows
        x = np.array(x, dtype=np.float64)  # a fresh copy
        if x.shape != (n_in,):
            raise ValueError(f"x must have shape ({n_in},) for a {'transposed' if transposed else 'forward'} "
                             f"read, got {x.shape}")
        if not np.all(np.isfinite(x)) or np.any(np.abs(x) > 1.0):
            raise ValueError("x must lie in [-1, 1]")
        w = self.effective_weights()
        # Elementwise product + numpy reduction rather than BLAS: the summation order then
        # does not depend on memory alignment, so two copies of the array agree bit for bit.
        if transposed:
            y = (w * x[None, :]).sum(axis=1)
        else:
            y = (w * x[:, None]).sum(axis=0)
        if self.periphery.out_noise > 0.0:
            y = y + self.periphery.out_noise * self._rng.standard_normal(y.shape)
        q = np.rint(y * self.adc_max / self.periphery.out_bound)
        return np.clip(q, -self.adc_max, self.adc_max).astype(np.int64)

    # ----------------------------------------------------------------- inference
    def start_inference(self) -> None:
        """Mark programming time: store g0 = current conductances, draw each device's drift z."""
        self._g0 = self.device.w_to_g(self._w)
        self._z = self._rng.standard_normal(self._w.shape)
        self._t = 0.0

    def set_time(self, t_seconds: float) -> None:
        """Select the inference time (seconds after start_inference) used by later reads."""
        if not self.in_inference:
            raise RuntimeError("set_time() outside inference: call start_inference() first")
        check_real("t_seconds", t_seconds, 0.0, 1e12)
        self._t = float(t_seconds)

    def stop_inference(self) -> None:
        """Back to short-term reads of the true weights."""
        self._g0 = self._z = None
        self._t = 0.0


def coincidence_counts(rec_rows, rec_cols, rec_set) -> list[tuple[np.ndarray, bool]]:
    """Pulse counts per device from a slot-by-slot update record (ARCHITECTURE.md section 3).

    rec_rows bool[slots, rows], rec_cols bool[slots, cols], rec_set bool[slots]. Device (i, j)
    gets a pulse in slot s iff rec_rows[s, i] & rec_cols[s, j], of polarity rec_set[s].
    Returns one (counts int64[rows, cols], up) per maximal run of consecutive slots with the same
    rec_set, in slot order, with counts = R_run^T @ C_run; apply them in order.
    """
    r = np.asarray(rec_rows)
    c = np.asarray(rec_cols)
    s = np.asarray(rec_set)
    if r.ndim != 2 or c.ndim != 2 or s.ndim != 1:
        raise ValueError("rec_rows and rec_cols must be 2-D [slots, lines], rec_set 1-D [slots]")
    if not (r.shape[0] == c.shape[0] == s.shape[0]):
        raise ValueError(f"slot counts differ: rec_rows {r.shape[0]}, rec_cols {c.shape[0]}, "
                         f"rec_set {s.shape[0]}")
    r, c, s = r.astype(bool), c.astype(bool), s.astype(bool)
    runs = []
    start = 0
    for k in range(1, s.size + 1):
        if k == s.size or s[k] != s[start]:
            counts = r[start:k].astype(np.int64).T @ c[start:k].astype(np.int64)  # exact integers
            runs.append((counts, bool(s[start])))
            start = k
    return runs

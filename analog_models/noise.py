"""Inference-time noise of the CMO/HfOx device (aihwkit ReRamCMONoiseModel, REFERENCE.md).

All conductances are in uS, times in seconds after programming.

- programming noise: g_prog = g_target + sigma_prog(g_target) * N(0, 1), sigma linear in g,
  coefficients by program-and-verify acceptance band (0.2 % or 2 %);
- drift (relaxation), level independent: g(t) = g_prog + mu(t) + sigma(t) * z, with
  mu(t) = -0.08900206 ln t, sigma(t) = 0.04201137 ln t + 0.41183342, z ~ N(0, 1) fixed per device;
- read (1/f + RTN) noise: sigma_read = K log10(g) sqrt(ln((t + t_read) / (2 t_read)));
- the result is clamped to [9.0, 88.2] uS. At t = 0 nothing is applied (as in aihwkit).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .device import check_real

#: band (percent) -> (c0, c1) of sigma_prog = c0 + c1 * g, from aihwkit's coefficient table.
PROG_COEFFS = {0.2: (0.00081107, 0.00106879), 2.0: (0.0112185391, 0.01129027418)}
DRIFT_MEAN = -0.08900206                 # uS per ln(t)
DRIFT_STD = (0.04201137, 0.41183342)     # uS per ln(t), uS
READ_K = 0.0277316483


@dataclass(frozen=True)
class CmoNoiseParams:
    """Parameters of the inference noise model.

    prog_band         program-and-verify acceptance band in percent, 0.2 or 2.0.
    prog_noise_scale  multiplies the programming noise (0 programs exactly).
    drift_scale       multiplies drift mean and spread.
    read_noise_scale  multiplies the 1/f read noise.
    t_read            read pulse duration in seconds.
    g_clamp_min/max   conductance clamp in uS.
    """

    prog_band: float = 2.0
    prog_noise_scale: float = 1.0
    drift_scale: float = 1.0
    read_noise_scale: float = 1.0
    t_read: float = 1e-6
    g_clamp_min: float = 9.0
    g_clamp_max: float = 88.2

    def __post_init__(self) -> None:
        if self.prog_band not in PROG_COEFFS:
            raise ValueError(f"prog_band must be one of {sorted(PROG_COEFFS)}, got {self.prog_band!r}")
        check_real("prog_noise_scale", self.prog_noise_scale, 0.0, 100.0)
        check_real("drift_scale", self.drift_scale, 0.0, 100.0)
        check_real("read_noise_scale", self.read_noise_scale, 0.0, 100.0)
        check_real("t_read", self.t_read, 0.0, 1.0, lo_open=True)
        check_real("g_clamp_min", self.g_clamp_min, 0.0, 1000.0)
        check_real("g_clamp_max", self.g_clamp_max, float(self.g_clamp_min), 1000.0, lo_open=True)


def _check_time(t) -> float:
    check_real("t", t, 0.0, 1e12)
    return float(t)


def programming_sigma(g, p: CmoNoiseParams) -> np.ndarray:
    """Std (uS) of the programming error at target conductance g."""
    c0, c1 = PROG_COEFFS[p.prog_band]
    return (c0 + c1 * np.asarray(g, dtype=np.float64)) * p.prog_noise_scale


def program_conductance(g_target, p: CmoNoiseParams, rng: np.random.Generator) -> np.ndarray:
    """Programmed conductance: target plus programming noise (one normal per device)."""
    g = np.asarray(g_target, dtype=np.float64)
    return g + programming_sigma(g, p) * rng.standard_normal(g.shape)


def drift_mean(t, p: CmoNoiseParams) -> float:
    """Mean conductance shift (uS) at time t; 0 at t = 0."""
    t = _check_time(t)
    return 0.0 if t == 0.0 else DRIFT_MEAN * np.log(t) * p.drift_scale


def drift_sigma(t, p: CmoNoiseParams) -> float:
    """Spread (uS) of the conductance relaxation at time t; 0 at t = 0, never negative."""
    t = _check_time(t)
    if t == 0.0:
        return 0.0
    return max(DRIFT_STD[0] * np.log(t) + DRIFT_STD[1], 0.0) * p.drift_scale


def drifted_conductance(g_prog, z, t, p: CmoNoiseParams) -> np.ndarray:
    """g_prog + mu(t) + sigma(t) * z, unclamped; z is each device's fixed N(0, 1) draw.

    For a fixed z this is affine in ln t, so each device drifts monotonically in log-time.
    """
    g = np.asarray(g_prog, dtype=np.float64)
    return g + drift_mean(t, p) + drift_sigma(t, p) * np.asarray(z, dtype=np.float64)


def read_noise_sigma(g, t, p: CmoNoiseParams) -> np.ndarray:
    """Std (uS) of the accumulated 1/f read noise at time t (0 for t <= t_read)."""
    t = _check_time(t)
    # log10 of the clamped g: keeps sigma defined for a (rare) drift below 0 uS.
    gl = np.log10(np.clip(np.asarray(g, dtype=np.float64), max(p.g_clamp_min, 1e-3), p.g_clamp_max))
    arg = max(np.log((t + p.t_read) / (2.0 * p.t_read)), 0.0)
    return READ_K * gl * np.sqrt(arg) * p.read_noise_scale


def clamp_conductance(g, p: CmoNoiseParams) -> np.ndarray:
    return np.clip(np.asarray(g, dtype=np.float64), p.g_clamp_min, p.g_clamp_max)


def inference_conductance(g_prog, z, t, p: CmoNoiseParams, rng: np.random.Generator) -> np.ndarray:
    """Conductance seen by one read at time t: drift, fresh read noise, clamp.

    At t = 0 returns g_prog unchanged and draws nothing (aihwkit convention).
    """
    t = _check_time(t)
    g_prog = np.asarray(g_prog, dtype=np.float64)
    if t == 0.0:
        return g_prog.copy()
    g = drifted_conductance(g_prog, z, t, p)
    g = g + read_noise_sigma(g, t, p) * rng.standard_normal(g.shape)
    return clamp_conductance(g, p)

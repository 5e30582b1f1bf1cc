"""Measure a device preset's open-loop figures by pulsing it, as on the bench.

Figures (REFERENCE.md targets for CMO/HfOx: about 22 states, symmetry point 61 % from the
centre toward w_min, noise-to-signal ratio about 0.9):

- states = (w_max - w_min) / |mean step| at the symmetry point, per device, averaged;
- skew   = (w_sym - centre) / ((w_max - w_min) / 2), per device, averaged (negative: toward
           w_min); centre = (w_max + w_min) / 2, which is 0 for the nominal bounds;
- nsr    = std / mean of single-pulse step magnitudes at the symmetry point, pooled over
           devices, cycles and both polarities.

Nothing is read back from the parameters: each device is swept between its bounds with single
pulses, straight lines are fitted to (w, dw) for each polarity (soft bounds make the mean step
linear in w), and bounds, symmetry point and step come from the fitted lines. Single pulses
are then fired from the measured symmetry point to get the noise.

The inference side is measured the same way: a 64x64 array programmed to uniform random
weights (2 % acceptance band), drifted with `analog_models.noise`, and the error of its MVMs on
random inputs reported as RMSE normalised by the RMS of the ideal outputs, against the paper's
simulated 0.06 at 1 s and 0.2 at 10 years (whose normalisation the paper does not state).

Run `python -m analog_models.calibrate` for the table of measured vs target figures.
"""
from __future__ import annotations

import argparse

import numpy as np

from . import noise as nz
from .device import DeviceArray, DeviceParams
from .presets import PRESETS, get_preset

TARGETS = {"states": 22.0, "skew": -0.61, "nsr": 0.9}
TOLERANCES = {"states": 2.0, "skew": 0.04, "nsr": 0.06}
YEAR = 365.25 * 86400.0
#: inference time (s) -> the paper's simulated 64x64 MVM error of this device (REFERENCE.md).
PAPER_MVM_ERROR = {1.0: 0.06, 10 * YEAR: 0.2}
MVM_ERROR_TIMES = (1.0, 3600.0, 86400.0, YEAR, 10 * YEAR)


def _fit_lines(w: np.ndarray, dw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-device least squares dw = a + b w over the pulse axis (axis 0)."""
    wm, dm = w.mean(axis=0), dw.mean(axis=0)
    b = ((w - wm) * (dw - dm)).sum(axis=0) / ((w - wm) ** 2).sum(axis=0)
    return dm - b * wm, b


def _sweep(dev: DeviceArray, w: np.ndarray, n: int, up: bool, rng) -> tuple[np.ndarray, ...]:
    """n single pulses of one polarity; returns (w before each pulse, step), each [n, devices]."""
    ones = np.ones(dev.shape, dtype=np.int64)
    ws, dws = np.empty((n,) + dev.shape), np.empty((n,) + dev.shape)
    for k in range(n):
        w_new = dev.apply_pulses(w, ones, up, rng)
        ws[k], dws[k] = w, w_new - w
        w = w_new
    return ws.reshape(n, -1), dws.reshape(n, -1), w


def measure_device(preset: str | DeviceParams = "cmo_hfox", n_devices: int = 1000,
                   seed: int = 0, n_sweeps: int = 4, n_cycles: int = 100) -> dict:
    """Measure states, skew and NSR of `preset` on `n_devices` fresh devices.

    Returns dict(states, skew, nsr, states_p05, states_p95); the last two give the spread of
    the per-device number of states.
    """
    params = get_preset(preset) if isinstance(preset, str) else preset
    if not isinstance(params, DeviceParams):
        raise ValueError(f"preset must be a preset name or DeviceParams, got {preset!r}")
    if isinstance(n_devices, bool) or not isinstance(n_devices, int) or n_devices < 2:
        raise ValueError(f"n_devices must be an integer >= 2, got {n_devices!r}")
    rng = np.random.default_rng(seed)
    dev = DeviceArray(params, n_devices, 1, rng)
    # Long enough to cross the whole window several times over at the nominal step sizes.
    n = int(np.clip(6 * (params.w_max - params.w_min) / min(params.dw_up, params.dw_down), 50, 2000))
    w = np.zeros(dev.shape)
    _, _, w = _sweep(dev, w, n, False, rng)  # start at the lower bound
    up_w, up_dw, down_w, down_dw = [], [], [], []
    for _ in range(n_sweeps):
        ws, dws, w = _sweep(dev, w, n, True, rng)
        up_w.append(ws), up_dw.append(dws)
        ws, dws, w = _sweep(dev, w, n, False, rng)
        down_w.append(ws), down_dw.append(dws)
    a_up, b_up = _fit_lines(np.concatenate(up_w), np.concatenate(up_dw))
    a_dn, b_dn = _fit_lines(np.concatenate(down_w), np.concatenate(down_dw))
    w_hi, w_lo = -a_up / b_up, -a_dn / b_dn           # zero-step points: the soft bounds
    w_sym = -(a_up + a_dn) / (b_up + b_dn)            # up step == -down step
    step_sym = a_up + b_up * w_sym
    half = (w_hi - w_lo) / 2.0
    states = (w_hi - w_lo) / np.abs(step_sym)
    skew = (w_sym - (w_hi + w_lo) / 2.0) / half

    # Single pulses from the measured symmetry point, both polarities.
    w0 = w_sym.reshape(dev.shape)
    ones = np.ones(dev.shape, dtype=np.int64)
    steps = np.empty((2, n_cycles, n_devices))
    for k in range(n_cycles):
        steps[0, k] = (dev.apply_pulses(w0, ones, True, rng) - w0).ravel()
        steps[1, k] = (w0 - dev.apply_pulses(w0, ones, False, rng)).ravel()
    nsr = steps.std() / steps.mean()
    return {"states": float(states.mean()), "skew": float(skew.mean()), "nsr": float(nsr),
            "states_p05": float(np.percentile(states, 5)),
            "states_p95": float(np.percentile(states, 95))}


def measure_mvm_error(preset: str | DeviceParams = "cmo_hfox", size: int = 64,
                      times=MVM_ERROR_TIMES, n_inputs: int = 1000, seed: int = 0) -> dict:
    """Normalised RMSE of drifted MVMs, {t_seconds: error}, for a size x size array.

    Weights uniform in [-1, 1] are mapped to conductance, programmed with noise, and each device
    drifts with its own fixed z; every time point draws fresh read noise. The error is
    rms(y_t - y) / rms(y) over `n_inputs` random inputs in [-1, 1].
    """
    params = get_preset(preset) if isinstance(preset, str) else preset
    p = nz.CmoNoiseParams()
    rng = np.random.default_rng(seed)
    w = rng.uniform(-1.0, 1.0, (size, size))
    g_prog = nz.program_conductance(params.w_to_g(w), p, rng)
    z = rng.standard_normal(w.shape)
    x = rng.uniform(-1.0, 1.0, (n_inputs, size))
    y = x @ w
    errors = {}
    for t in times:
        w_t = params.g_to_w(nz.inference_conductance(g_prog, z, float(t), p, rng))
        errors[float(t)] = float(np.sqrt(np.mean((x @ w_t - y) ** 2) / np.mean(y ** 2)))
    return errors


def _time_label(t: float) -> str:
    for unit, seconds in (("years", YEAR), ("day", 86400.0), ("h", 3600.0)):
        if t >= seconds:
            return f"{t / seconds:g} {unit}".replace("1 years", "1 year")
    return f"{t:g} s"


def format_mvm_error(errors: dict) -> str:
    """Drifted MVM error per time point, beside the paper's figure where it gives one."""
    lines = ["  inference MVM error, 64x64: RMSE / RMS of the ideal output (the paper's figure is"
             " its own simulation, normalisation not stated)",
             f"  {'time':<10}{'measured':>10}{'paper':>8}"]
    for t, err in errors.items():
        paper = PAPER_MVM_ERROR.get(t)
        lines.append(f"  {_time_label(t):<10}{err:>10.3f}{paper if paper else '-':>8}")
    return "\n".join(lines)


def format_table(name: str, m: dict) -> str:
    """Measured figures of preset `name`, beside the REFERENCE target where there is one."""
    targets = TARGETS if name == "cmo_hfox" else {}
    lines = [f"preset {name!r}",
             f"  {'figure':<8}{'measured':>10}{'target':>10}{'tol':>8}  ok"]
    for key in ("states", "skew", "nsr"):
        if key in targets:
            ok = abs(m[key] - targets[key]) <= TOLERANCES[key]
            tail = f"{targets[key]:>10.3f}{TOLERANCES[key]:>8.2f}  {'yes' if ok else 'NO'}"
        else:
            tail = f"{'-':>10}{'-':>8}  -"
        lines.append(f"  {key:<8}{m[key]:>10.3f}{tail}")
    ref = " (reference: 16 to 33 across devices)" if targets else ""
    lines.append(f"  states, 5th..95th percentile over devices: {m['states_p05']:.1f} .. "
                 f"{m['states_p95']:.1f}{ref}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), help="one preset (default: all)")
    ap.add_argument("--devices", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    names = [args.preset] if args.preset else list(PRESETS)
    for name in names:
        print(format_table(name, measure_device(name, args.devices, args.seed)))
        if name == "cmo_hfox":  # the inference noise model is this device's
            print(format_mvm_error(measure_mvm_error(name, seed=args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

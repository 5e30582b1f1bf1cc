"""Inference noise model (aihwkit ReRamCMONoiseModel): formulas, statistics, clamping."""
import math

import numpy as np
import pytest

from analog_models import noise as nz

P = nz.CmoNoiseParams()


@pytest.mark.parametrize("field,value", [
    ("prog_band", 1.0), ("prog_noise_scale", -1.0), ("drift_scale", float("inf")),
    ("read_noise_scale", -0.1), ("t_read", 0.0), ("g_clamp_max", 5.0),
])
def test_params_validation_names_field(field, value):
    with pytest.raises(ValueError, match=field):
        nz.CmoNoiseParams(**{field: value})


def test_programming_sigma_formula_and_statistics():
    g = np.array([10.0, 50.0, 90.0])
    np.testing.assert_allclose(nz.programming_sigma(g, P), 0.0112185 + 0.0112903 * g, rtol=1e-5)
    fine = nz.CmoNoiseParams(prog_band=0.2)
    np.testing.assert_allclose(nz.programming_sigma(g, fine), 0.00081107 + 0.00106879 * g)
    # REFERENCE: below 1 uS with the 2 % band, below 0.1 uS with the 0.2 % band.
    assert nz.programming_sigma(90.0, P) < 1.03 and nz.programming_sigma(90.0, fine) < 0.1
    rng = np.random.default_rng(0)
    gp = nz.program_conductance(np.full(200_000, 50.0), P, rng)
    assert gp.mean() == pytest.approx(50.0, abs=0.01)
    assert gp.std() == pytest.approx(nz.programming_sigma(50.0, P), rel=0.01)
    exact = nz.program_conductance(g, nz.CmoNoiseParams(prog_noise_scale=0.0), rng)
    np.testing.assert_array_equal(exact, g)


def test_drift_mean_and_spread_match_formula():
    rng = np.random.default_rng(1)
    n = 200_000
    g0, z = np.full(n, 50.0), rng.standard_normal(n)
    for t in (1.0, 3600.0, 86400.0 * 365 * 10):
        lt = math.log(t)
        assert nz.drift_mean(t, P) == pytest.approx(-0.08900206 * lt)
        assert nz.drift_sigma(t, P) == pytest.approx(0.04201137 * lt + 0.41183342)
        d = nz.drifted_conductance(g0, z, t, P) - g0
        assert d.mean() == pytest.approx(-0.08900206 * lt, abs=0.01)
        assert d.std() == pytest.approx(0.04201137 * lt + 0.41183342, rel=0.01)
    assert nz.drift_mean(0.0, P) == 0.0 and nz.drift_sigma(0.0, P) == 0.0
    assert nz.drift_sigma(1e-9, P) == 0.0  # never negative for tiny t
    with pytest.raises(ValueError, match="t"):
        nz.drift_mean(-1.0, P)


def test_drift_monotone_in_log_time():
    rng = np.random.default_rng(2)
    g0 = rng.uniform(20, 80, 5000)
    z = rng.standard_normal(5000)
    ts = np.logspace(0, 9, 10)
    g = np.array([nz.drifted_conductance(g0, z, t, P) for t in ts])
    # The population mean falls with log-time ...
    assert np.all(np.diff(g.mean(axis=1)) < 0)
    # ... and every device moves monotonically, affinely in ln t (equal steps per decade).
    steps = np.diff(g, axis=0)
    np.testing.assert_allclose(steps, np.broadcast_to(steps[0], steps.shape), atol=1e-9)
    assert np.all((steps > 0).all(axis=0) | (steps < 0).all(axis=0))
    # Devices with z below 0.08900206 / 0.04201137 drift down.
    down = z < 0.08900206 / 0.04201137
    assert np.all(steps[:, down] < 0)


def test_read_noise_sigma_formula():
    t = 3600.0
    g = np.array([10.0, 50.0, 88.0])
    want = 0.0277316 * np.log10(g) * math.sqrt(math.log((t + 1e-6) / 2e-6))
    np.testing.assert_allclose(nz.read_noise_sigma(g, t, P), want, rtol=1e-5)
    assert np.all(nz.read_noise_sigma(g, 1e-6, P) == 0.0)   # ln(1/2) < 0 -> 0
    assert np.all(nz.read_noise_sigma(g, 1e3, P) < nz.read_noise_sigma(g, 1e6, P))
    # Evaluated at the clamped conductance: stays finite for a negative drifted g.
    assert np.isfinite(nz.read_noise_sigma(np.array([-3.0]), t, P)).all()


def test_inference_conductance_statistics_and_clamp():
    rng = np.random.default_rng(3)
    n = 200_000
    g0 = np.full(n, 50.0)
    z = np.zeros(n)
    t = 1e5
    g = nz.inference_conductance(g0, z, t, P, rng)
    drift = nz.drifted_conductance(50.0, 0.0, t, P)
    assert g.mean() == pytest.approx(drift, abs=0.005)
    assert g.std() == pytest.approx(nz.read_noise_sigma(drift, t, P), rel=0.02)
    edge = nz.inference_conductance(np.array([5.0, 95.0]), np.zeros(2), t, P, rng)
    np.testing.assert_array_equal(edge, [9.0, 88.2])
    # t = 0: the programmed conductance, untouched and without drawing.
    r0 = np.random.default_rng(4)
    out = nz.inference_conductance(np.array([5.0, 50.0]), np.ones(2), 0.0, P, r0)
    np.testing.assert_array_equal(out, [5.0, 50.0])
    assert r0.bit_generator.state == np.random.default_rng(4).bit_generator.state

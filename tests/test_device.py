"""Soft-bounds device model: validation, conversion, saturation, symmetry point, d2d, RNG use."""
import dataclasses

import numpy as np
import pytest

from analog_models.device import DeviceArray, DeviceParams
from analog_models.presets import DEFAULT_PRESET, PRESETS, get_preset


def make(params=None, rows=8, cols=8, seed=0):
    return DeviceArray(params or get_preset("cmo_hfox"), rows, cols, np.random.default_rng(seed))


@pytest.mark.parametrize("field,value", [
    ("dw_up", 0.0), ("dw_up", -0.1), ("dw_down", 5.0), ("w_min", 0.0), ("w_min", 0.5),
    ("w_max", -1.0), ("dw_dtod", -0.1), ("dw_dtod", 1.5), ("up_down_dtod", 2.0),
    ("w_bounds_dtod", 0.6), ("dw_std", -0.01), ("dw_std", 3.0), ("g_min", 0.0),
    ("g_max", 5.0), ("dw_up", float("nan")), ("dw_std", True), ("w_max", "1"),
])
def test_params_validation_names_field(field, value):
    with pytest.raises(ValueError, match=field):
        DeviceParams(**{field: value})


def test_presets():
    assert DEFAULT_PRESET == "cmo_hfox"
    assert set(PRESETS) >= {"cmo_hfox", "ideal"}
    with pytest.raises(ValueError, match="cmo_hfox.*ideal|ideal.*cmo_hfox"):
        get_preset("nope")
    cmo = get_preset("cmo_hfox")
    assert cmo.dw_down > cmo.dw_up            # depression steeper
    assert cmo.symmetry_point() == pytest.approx(-0.61, abs=0.005)
    assert 2.0 / (cmo.dw_up * (1 - cmo.symmetry_point())) == pytest.approx(22, abs=0.5)
    ideal = get_preset("ideal")
    assert ideal.dw_up == ideal.dw_down and ideal.symmetry_point() == 0.0


def test_weight_conductance_mapping():
    p = DeviceParams()
    assert (p.g_mid, p.g_half) == (50.0, 40.0)
    np.testing.assert_allclose(p.w_to_g([-1.0, 0.0, 1.0]), [10.0, 50.0, 90.0])
    w = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(p.g_to_w(p.w_to_g(w)), w, atol=1e-15)
    q = DeviceParams(w_min=-0.5, w_max=1.5, g_min=20.0, g_max=100.0)
    np.testing.assert_allclose(q.w_to_g([q.w_min, q.w_max]), [20.0, 100.0])


def test_soft_bounds_saturate_at_device_bounds():
    dev = make()
    rng = np.random.default_rng(1)
    counts = np.full(dev.shape, 300)
    hi = dev.apply_pulses(np.zeros(dev.shape), counts, True, rng)
    lo = dev.apply_pulses(np.zeros(dev.shape), counts, False, rng)
    assert np.all(hi <= dev.w_max) and np.all(lo >= dev.w_min)
    np.testing.assert_allclose(hi, dev.w_max, atol=2e-3)
    np.testing.assert_allclose(lo, dev.w_min, atol=2e-3)
    # Steps shrink toward the bound they approach (same device parameters everywhere).
    flat = make(dataclasses.replace(get_preset("cmo_hfox"), dw_dtod=0.0, up_down_dtod=0.0,
                                    w_bounds_dtod=0.0))
    w = np.linspace(-0.95, 0.95, 64).reshape(flat.shape)
    assert np.all(np.diff(flat.mean_step(w, True).ravel()) < 0)
    assert np.all(np.diff(-flat.mean_step(w, False).ravel()) > 0)
    assert np.all(flat.mean_step(w, True) > 0) and np.all(flat.mean_step(w, False) < 0)


def test_symmetry_point_equal_steps_and_attractor():
    p = dataclasses.replace(get_preset("cmo_hfox"), dw_std=0.0)
    dev = make(p)
    ws = dev.symmetry_point()
    np.testing.assert_allclose(dev.mean_step(ws, True), -dev.mean_step(ws, False), rtol=1e-12)
    # Alternating up/down pulses pull every device to its symmetry point (up to a bias of the
    # order of one step, made small here by scaling both steps down, which keeps w_sym).
    small = make(dataclasses.replace(p, dw_up=p.dw_up / 10, dw_down=p.dw_down / 10))
    np.testing.assert_allclose(small.symmetry_point(), ws, rtol=1e-12)
    dev = small
    rng = np.random.default_rng(2)
    one = np.ones(dev.shape, dtype=int)
    for w0 in (np.full(dev.shape, 0.9), np.full(dev.shape, -0.9)):
        w = w0
        for _ in range(1500):
            w_up = dev.apply_pulses(w, one, True, rng)
            w = dev.apply_pulses(w_up, one, False, rng)
        np.testing.assert_allclose((w + w_up) / 2, ws, atol=0.005)


def test_device_to_device_spread():
    p = get_preset("cmo_hfox")
    dev = make(p, 100, 100)
    log_up = np.log(dev.dw_up / p.dw_up)
    log_dn = np.log(dev.dw_down / p.dw_down)
    assert np.std(log_up) == pytest.approx(np.hypot(p.dw_dtod, p.up_down_dtod), rel=0.05)
    assert np.std(log_up - log_dn) == pytest.approx(2 * p.up_down_dtod, rel=0.05)
    assert np.std(np.log(dev.w_max)) == pytest.approx(p.w_bounds_dtod, rel=0.05)
    assert np.all(dev.w_min < 0) and np.all(dev.w_max > 0)
    flat = make(get_preset("ideal"), 10, 10)
    assert np.all(flat.dw_up == 0.005) and np.all(flat.w_max == 1.0)


def test_construction_is_deterministic_and_consumes_fixed_stream():
    a, b = make(seed=5), make(seed=5)
    np.testing.assert_array_equal(a.dw_up, b.dw_up)
    r1, r2 = np.random.default_rng(9), np.random.default_rng(9)
    DeviceArray(get_preset("cmo_hfox"), 3, 4, r1)
    DeviceArray(get_preset("ideal"), 3, 4, r2)
    assert r1.bit_generator.state == r2.bit_generator.state


def reference_pulses(dev, w, counts, up, rng):
    """Scalar reference: pulse k visits the still-pulsing devices in row-major order."""
    w = w.copy()
    s = dev.params.dw_std
    for k in range(int(counts.max())):
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                if counts[i, j] > k:
                    xi = rng.standard_normal()
                    if up:
                        dw = dev.dw_up[i, j] * (1 - w[i, j] / dev.w_max[i, j])
                    else:
                        dw = -dev.dw_down[i, j] * (1 - w[i, j] / dev.w_min[i, j])
                    w[i, j] = min(max(w[i, j] + dw * (1 + s * xi), dev.w_min[i, j]), dev.w_max[i, j])
    return w


@pytest.mark.parametrize("up", [True, False])
def test_vectorised_pulses_match_scalar_reference(up):
    dev = make(rows=5, cols=7)
    rng = np.random.default_rng(3)
    w0 = rng.uniform(-0.8, 0.8, dev.shape)
    counts = rng.integers(0, 6, dev.shape)
    got = dev.apply_pulses(w0, counts, up, np.random.default_rng(11))
    want = reference_pulses(dev, w0, counts, up, np.random.default_rng(11))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    assert not np.shares_memory(got, w0)


def test_rng_consumption_is_a_function_of_counts_only():
    dev = make()
    counts = np.random.default_rng(4).integers(0, 9, dev.shape)
    states = []
    for w0, up in ((np.zeros(dev.shape), True), (np.full(dev.shape, 0.7), False)):
        rng = np.random.default_rng(12)
        dev.apply_pulses(w0, counts, up, rng)
        states.append(rng.bit_generator.state)
    ref = np.random.default_rng(12)
    ref.standard_normal(int(counts.sum()))
    assert states[0] == states[1] == ref.bit_generator.state
    # Zero counts: nothing moves, nothing drawn.
    rng = np.random.default_rng(12)
    w = dev.apply_pulses(np.full(dev.shape, 0.1), np.zeros(dev.shape, int), True, rng)
    assert np.all(w == 0.1) and rng.bit_generator.state == np.random.default_rng(12).bit_generator.state


def test_cycle_to_cycle_noise_relative_to_step():
    dev = make(rows=1, cols=4000)
    rng = np.random.default_rng(6)
    w0 = dev.symmetry_point()
    dw = dev.apply_pulses(w0, np.ones(dev.shape, int), True, rng) - w0
    rel = dw / dev.mean_step(w0, True)
    assert rel.mean() == pytest.approx(1.0, abs=0.05)
    assert rel.std() == pytest.approx(dev.params.dw_std, rel=0.05)


@pytest.mark.parametrize("counts,msg", [
    (np.full((8, 8), -1), "non-negative"), (np.ones((8, 8)) * 1.5, "integer"),
    (np.ones((8, 7), int), "shape"),
])
def test_counts_validation(counts, msg):
    with pytest.raises(ValueError, match=msg):
        make().apply_pulses(np.zeros((8, 8)), counts, True, np.random.default_rng(0))

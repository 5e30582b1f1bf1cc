"""Crossbar array: determinism, MVM + ADC semantics, programming, pulses, inference drift, records."""
import numpy as np
import pytest

from analog_models.crossbar import CrossbarArray, PeripheryParams, coincidence_counts
from analog_models.noise import CmoNoiseParams
from analog_models.presets import get_preset

CMO = get_preset("cmo_hfox")
IDEAL = get_preset("ideal")
QUIET = PeripheryParams(out_noise=0.0, w_noise=0.0)
EXACT = CmoNoiseParams(prog_noise_scale=0.0)


def xbar(rows=16, cols=8, device=CMO, periphery=None, adc_bits=9, seed=0, noise=None):
    return CrossbarArray(rows, cols, device, periphery or PeripheryParams(), adc_bits, seed, noise)


@pytest.mark.parametrize("field,value", [
    ("out_bound", 0.0), ("out_noise", -0.1), ("w_noise", -1.0), ("out_bound", float("nan")),
])
def test_periphery_validation_names_field(field, value):
    with pytest.raises(ValueError, match=field):
        PeripheryParams(**{field: value})


def test_periphery_defaults():
    p = PeripheryParams()
    assert (p.out_bound, p.out_noise) == (12.0, 0.06)
    assert p.w_noise_for(CMO) == pytest.approx(0.02)
    assert PeripheryParams(w_noise=0.05).w_noise_for(CMO) == 0.05
    with pytest.raises(ValueError, match="adc_bits"):
        xbar(adc_bits=1)
    with pytest.raises(ValueError, match="rows"):
        xbar(rows=0)


def drive(arr, rng):
    """A fixed mixed call sequence touching every random source."""
    out = []
    arr.program(rng.uniform(-0.8, 0.8, (arr.rows, arr.cols)))
    out.append(arr.read(rng.uniform(-1, 1, arr.rows), False))
    out.append(arr.read(rng.uniform(-1, 1, arr.cols), True))
    arr.apply_pulses(rng.integers(0, 5, (arr.rows, arr.cols)), True)
    arr.apply_pulses(rng.integers(0, 5, (arr.rows, arr.cols)), False)
    out.append(arr.read(rng.uniform(-1, 1, arr.rows), False))
    arr.start_inference()
    for t in (1.0, 1e4, 1e8):
        arr.set_time(t)
        out.append(arr.read(rng.uniform(-1, 1, arr.rows), False))
    out.append(arr.conductances())
    arr.stop_inference()
    out.append(arr.weights)
    return out


def test_identical_instances_are_bit_identical():
    a, b = xbar(seed=42), xbar(seed=42)
    np.testing.assert_array_equal(a.devices.dw_up, b.devices.dw_up)
    ra, rb = drive(a, np.random.default_rng(7)), drive(b, np.random.default_rng(7))
    for x, y in zip(ra, rb):
        np.testing.assert_array_equal(x, y)
    c = xbar(seed=43)
    rc = drive(c, np.random.default_rng(7))
    assert not np.array_equal(ra[-1], rc[-1])


def test_read_is_w_transpose_x_through_the_adc():
    rng = np.random.default_rng(1)
    arr = xbar(32, 16, periphery=QUIET, seed=1)
    arr.program(rng.uniform(-0.9, 0.9, (32, 16)))
    w = arr.weights
    x = rng.uniform(-1, 1, 32)
    q = arr.read(x, transposed=False)
    assert q.dtype == np.int64 and q.shape == (16,)
    np.testing.assert_array_equal(q, np.clip(np.rint((x @ w) * 255 / 12.0), -255, 255))
    xt = rng.uniform(-1, 1, 16)
    qt = arr.read(xt, transposed=True)
    assert qt.shape == (32,)
    np.testing.assert_array_equal(qt, np.clip(np.rint((w @ xt) * 255 / 12.0), -255, 255))


def test_adc_rounds_half_to_even_and_clips():
    # Dyadic weights survive the w -> g -> w round trip exactly when programming is noiseless.
    arr = xbar(4, 4, device=IDEAL, periphery=PeripheryParams(out_bound=255.0, out_noise=0.0,
                                                             w_noise=0.0), noise=EXACT)
    w = np.array([[0.5, 0.75, 0.25, 0.0625]] * 4)
    arr.program(w)
    np.testing.assert_array_equal(arr.weights, w)
    x = np.array([1.0, 1.0, 0.0, 0.0])
    # y = [1.0, 1.5, 0.5, 0.125] -> y * 255 / 255: 1.5 -> 2, 0.5 -> 0 (half to even)
    np.testing.assert_array_equal(arr.read(x), [1, 2, 0, 0])
    np.testing.assert_array_equal(arr.read(np.array([1.0, 1.0, 1.0, 1.0])), [2, 3, 1, 0])
    np.testing.assert_array_equal(arr.read(-np.ones(4)), [-2, -3, -1, 0])
    small = xbar(4, 4, device=IDEAL, periphery=PeripheryParams(out_bound=0.01, out_noise=0.0,
                                                               w_noise=0.0), noise=EXACT)
    small.program(np.array([[0.5, -0.5, 0.0, 1e-6]] * 4))
    np.testing.assert_array_equal(small.read(np.ones(4)), [255, -255, 0, 0])
    six = xbar(4, 4, device=IDEAL, periphery=PeripheryParams(out_bound=0.01, out_noise=0.0,
                                                             w_noise=0.0), adc_bits=6, noise=EXACT)
    six.program(np.array([[0.5, -0.5, 0.0, 0.0]] * 4))
    np.testing.assert_array_equal(six.read(np.ones(4)), [31, -31, 0, 0])


def test_read_validation():
    arr = xbar(8, 4)
    with pytest.raises(ValueError, match="shape"):
        arr.read(np.zeros(4), transposed=False)
    with pytest.raises(ValueError, match="shape"):
        arr.read(np.zeros(8), transposed=True)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        arr.read(np.full(8, 1.5))


def test_read_noise_statistics():
    arr = xbar(64, 32, periphery=PeripheryParams(out_bound=1000.0, out_noise=0.0, w_noise=0.05),
               adc_bits=14, seed=3)
    x = np.full(64, 0.5)
    # sigma_y = w_noise * ||x|| = 0.2 -> 0.2 * 8191 / 1000 ~ 1.64 codes
    q = np.array([arr.read(x) for _ in range(400)])
    assert q.std(axis=0).mean() == pytest.approx(0.05 * 4.0 * 8191 / 1000.0, rel=0.1)
    arr2 = xbar(64, 32, periphery=PeripheryParams(out_bound=1000.0, out_noise=0.5, w_noise=0.0),
                adc_bits=14, seed=3)
    q2 = np.array([arr2.read(np.zeros(64)) for _ in range(400)])
    assert q2.std() == pytest.approx(0.5 * 8191 / 1000.0, rel=0.1)
    assert abs(q2.mean()) < 0.1


def test_program_noise_and_bounds():
    arr = xbar(100, 100, seed=4)
    target = np.full((100, 100), 0.25)
    arr.program(target)
    sigma_w = (0.0112185 + 0.0112903 * 60.0) / 40.0
    assert arr.weights.mean() == pytest.approx(0.25, abs=3 * sigma_w / 100)
    assert arr.weights.std() == pytest.approx(sigma_w, rel=0.05)
    np.testing.assert_allclose(arr.conductances(), 50 + 40 * arr.weights)
    arr.program(np.full((100, 100), 5.0))  # beyond every device's bound: clipped
    assert np.all(arr.weights <= arr.devices.w_max)
    assert np.all(arr.weights > arr.devices.w_max - 0.1)
    with pytest.raises(ValueError, match="shape"):
        arr.program(np.zeros((3, 3)))


def test_apply_pulses_moves_weights_by_polarity():
    arr = xbar(8, 8, device=IDEAL, seed=5)
    counts = np.zeros((8, 8), dtype=int)
    counts[2, 3] = 10
    arr.apply_pulses(counts, True)
    w = arr.weights
    assert w[2, 3] == pytest.approx(10 * 0.005, rel=0.05)
    assert np.count_nonzero(w) == 1
    arr.apply_pulses(counts, False)
    assert abs(arr.weights[2, 3]) < 0.005


def test_inference_drift_monotone_and_mean():
    arr = xbar(64, 64, periphery=PeripheryParams(out_noise=0.0, w_noise=0.0), seed=6)
    arr.program(np.zeros((64, 64)))
    w0 = arr.weights
    with pytest.raises(RuntimeError, match="start_inference"):
        arr.set_time(10.0)
    arr.start_inference()
    assert arr.in_inference and arr.time == 0.0
    with pytest.raises(RuntimeError):
        arr.apply_pulses(np.ones((64, 64), int), True)
    ts = [1.0, 1e2, 1e4, 1e6, 1e8]
    means = []
    for t in ts:
        arr.set_time(t)
        g = arr.conductances()
        expected = -0.08900206 * np.log(t)
        assert (g - (50 + 40 * w0)).mean() == pytest.approx(expected, abs=0.03)
        means.append(g.mean())
    assert np.all(np.diff(means) < 0)
    # Reads see the drifted conductances: an all-ones forward read falls with time.
    big = PeripheryParams(out_bound=64.0, out_noise=0.0, w_noise=0.0)
    arr2 = xbar(64, 64, periphery=big, adc_bits=14, seed=6)
    arr2.program(np.full((64, 64), 0.5))
    arr2.start_inference()
    sums = []
    for t in ts:
        arr2.set_time(t)
        sums.append(np.mean([arr2.read(np.ones(64)).sum() for _ in range(3)]))
    assert np.all(np.diff(sums) < 0)
    arr2.stop_inference()
    assert not arr2.in_inference
    arr2.apply_pulses(np.zeros((64, 64), int), True)  # allowed again


def test_coincidence_counts_runs_and_products():
    rng = np.random.default_rng(8)
    slots, rows, cols = 12, 5, 6
    r = rng.random((slots, rows)) < 0.5
    c = rng.random((slots, cols)) < 0.5
    s = np.array([1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0], dtype=bool)
    runs = coincidence_counts(r, c, s)
    assert [up for _, up in runs] == [True, False, True, False]
    bounds = [(0, 3), (3, 5), (5, 9), (9, 12)]
    for (counts, _), (a, b) in zip(runs, bounds):
        want = np.zeros((rows, cols), dtype=np.int64)
        for k in range(a, b):
            for i in range(rows):
                for j in range(cols):
                    want[i, j] += r[k, i] and c[k, j]
        np.testing.assert_array_equal(counts, want)
        assert counts.dtype == np.int64
    assert coincidence_counts(np.zeros((0, 3), bool), np.zeros((0, 2), bool), np.zeros(0, bool)) == []
    with pytest.raises(ValueError, match="slot"):
        coincidence_counts(r, c[:5], s)


def test_record_replay_matches_direct_pulses():
    """Two copies: one pulsed through a record, one with the counts directly -> same weights."""
    a, b = xbar(seed=9), xbar(seed=9)
    rng = np.random.default_rng(10)
    r = rng.random((8, 16)) < 0.3
    c = rng.random((8, 8)) < 0.3
    s = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    for counts, up in coincidence_counts(r, c, s):
        a.apply_pulses(counts, up)
    b.apply_pulses(r[:4].astype(int).T @ c[:4].astype(int), True)
    b.apply_pulses(r[4:].astype(int).T @ c[4:].astype(int), False)
    np.testing.assert_array_equal(a.weights, b.weights)


def test_mean_of_noisy_reads_tracks_w_transpose_x():
    """Read noise and output noise are zero-mean."""
    arr = xbar(16, 8, seed=11,
               periphery=PeripheryParams(out_bound=16.0, out_noise=0.06), adc_bits=14)
    arr.program(np.random.default_rng(12).uniform(-0.5, 0.5, (16, 8)))
    x = np.linspace(-1, 1, 16)
    q = np.mean([arr.read(x) for _ in range(300)], axis=0)
    np.testing.assert_allclose(q * 16.0 / 8191, x @ arr.weights, atol=0.02)

"""Host arithmetic around the tile: noise management, update management, chopper, baseline."""
import numpy as np
import pytest

from analog_models import algorithms as alg
from analog_models.datasets import load_digits


def test_dac_codes_scale_by_max_and_round():
    codes, scale = alg.dac_codes(np.array([0.5, -1.0, 0.25, 0.0]), 63)
    assert scale == 1.0
    assert codes.tolist() == [32, -63, 16, 0] and codes.dtype == np.int8
    codes, scale = alg.dac_codes(np.zeros(3), 63)
    assert scale == 1.0 and not codes.any()


def test_adc_values_undo_the_scales():
    assert alg.adc_values(np.array([255, -51]), 2.0, 12.0, 255).tolist() == [24.0, -4.8]


def test_update_codes_expected_pulses_match_lr_x_d():
    """E[pulses_ij] * dw_min == -lr x_i d_j in magnitude, sign via the tile's convention."""
    rng = np.random.default_rng(1)
    x, d = rng.uniform(-1, 1, 12), rng.uniform(-0.2, 0.2, 5)
    lr, dw_min = 0.3, 0.02
    u = alg.update_codes(x, d, lr, dw_min, max_bl=31)
    assert 1 <= u.bl <= 31
    px, pd = u.px.astype(int), u.pd.astype(int)
    expected = u.bl * np.outer(np.abs(px) / 128, np.abs(pd) / 128) * dw_min
    up = np.equal.outer(px < 0, pd < 0)  # the tile moves up where the signs agree
    got = np.where(up, expected, -expected)
    want = -lr * np.outer(x, d)
    big = np.abs(want) > 0.2 * np.abs(want).max()  # code rounding dominates tiny entries
    np.testing.assert_allclose(got[big], want[big], rtol=0.06)


def test_update_codes_cap_bl_and_skip_empty_updates():
    u = alg.update_codes(np.ones(4), np.ones(3), lr=100.0, dw_min=0.001, max_bl=7)
    assert u.bl == 7 and np.abs(u.px).max() == 127
    assert alg.update_codes(np.zeros(4), np.ones(3), 0.1, 0.01, 31) is None
    assert alg.update_codes(np.ones(4), np.zeros(3), 0.1, 0.01, 31) is None


def test_chopper_cycles_rows_and_flips_with_its_probability():
    rng = np.random.default_rng(0)
    ch = alg.Chopper(5, 1.0, rng)  # always flips
    seen = [ch.next_transfer() for _ in range(10)]
    assert [row for row, _ in seen] == [0, 1, 2, 3, 4] * 2
    assert [neg for _, neg in seen] == [False] * 5 + [True] * 5
    assert ch.chop(np.ones(5)).tolist() == [1.0] * 5
    never = alg.Chopper(3, 0.0, rng)
    assert all(not neg for _, neg in (never.next_transfer() for _ in range(9)))


def test_float_baseline_learns_digits():
    data = load_digits()
    acc, curve = alg.train_float_baseline(data.x_train, data.y_train, data.x_test, data.y_test,
                                          32, 10, 2, 0.1, 0)
    assert acc > 0.9 and len(curve) == 2


@pytest.mark.parametrize("fraction", [0.2])
def test_digits_split_is_stratified_and_fixed(fraction):
    a, b = load_digits(fraction), load_digits(fraction)
    assert len(a.x_test) == 360 and np.array_equal(a.y_test, b.y_test)
    counts = np.bincount(a.y_test)
    assert counts.min() >= 35 and counts.max() <= 37
    assert a.x_train.min() >= 0.0 and a.x_train.max() <= 1.0

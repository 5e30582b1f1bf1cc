"""Tile system model: generators, update sub-phases, bound management, transfer arithmetic."""
import numpy as np
import pytest

from analog_models.config import TileConfig
from analog_models.crossbar import CrossbarArray, PeripheryParams, coincidence_counts
from analog_models.noise import CmoNoiseParams
from analog_models.presets import get_preset
from analog_models.tile_model import TileModel, seed_states, xorshift32

QUIET = PeripheryParams(out_noise=0.0, w_noise=0.0)
EXACT = CmoNoiseParams(prog_noise_scale=0.0)


def make_tile(cfg=None, device="ideal", periphery=QUIET, noise=EXACT, seed=0):
    cfg = cfg or TileConfig(rows=12, cols=10)
    dev = get_preset(device)
    a = CrossbarArray(cfg.rows, cfg.cols, dev, periphery, cfg.adc_bits, seed, noise)
    c = CrossbarArray(cfg.rows, cfg.cols, dev, periphery, cfg.adc_bits, seed + 1, noise)
    return TileModel(cfg, a, c)


# ---------------------------------------------------------------- scalar references
def ref_seed(seed, n):
    return ((seed ^ ((n + 1) * 0x9E3779B9)) % 2**32) | 1


def ref_step(x):
    x ^= (x << 13) % 2**32
    x ^= x >> 17
    x ^= (x << 5) % 2**32
    return x


def ref_update_record(seed_states_list, px, pd, bl):
    """Section 5 written out line by line with Python ints."""
    rows = len(px)
    lines = [(int(v), False) for v in px] + [(int(v), True) for v in pd]
    states = list(seed_states_list)
    phases = [(1, 0, 0), (1, 1, 1), (0, 0, 1), (0, 1, 0)]
    rec_rows, rec_cols, rec_set = [], [], []
    for upd_set, row_sign, col_sign in phases:
        for _ in range(bl):
            fire = []
            for n, (v, is_col) in enumerate(lines):
                states[n] = ref_step(states[n])
                m = min(abs(v), 127)
                sign = 1 if v < 0 else 0
                allowed = sign == (col_sign if is_col else row_sign)
                fire.append(allowed and (states[n] >> 25) < m)
            rec_rows.append(fire[:rows])
            rec_cols.append(fire[rows:])
            rec_set.append(bool(upd_set))
    return (np.array(rec_rows, bool), np.array(rec_cols, bool), np.array(rec_set, bool)), states


# ---------------------------------------------------------------- generators
def test_seeding_matches_formula():
    tile = make_tile()
    n = 12 + 10
    assert tile.seed == 1 and tile.thresh == 1
    np.testing.assert_array_equal(tile.gen, [ref_seed(1, k) for k in range(n)])
    tile.set_seed(0xDEADBEEF)
    np.testing.assert_array_equal(tile.gen, [ref_seed(0xDEADBEEF, k) for k in range(n)])
    assert tile.gen.dtype == np.uint32 and np.all(tile.gen & 1)
    with pytest.raises(ValueError, match="seed"):
        tile.set_seed(2**32)
    with pytest.raises(ValueError, match="seed"):
        tile.set_seed(-1)


def test_xorshift32_matches_scalar_reference():
    states = np.random.default_rng(0).integers(1, 2**32, 200, dtype=np.uint64)
    vec = states.astype(np.uint32)
    ref = [int(s) for s in states]
    for _ in range(100):
        vec = xorshift32(vec)
        ref = [ref_step(s) for s in ref]
        assert vec.dtype == np.uint32
    np.testing.assert_array_equal(vec.astype(np.uint64), np.array(ref, dtype=np.uint64))
    assert [int(v) for v in seed_states(7, 3)] == [ref_seed(7, k) for k in range(3)]


# ---------------------------------------------------------------- update
def random_lanes(rng, n):
    v = rng.integers(-128, 128, n)
    v[rng.random(n) < 0.15] = 0
    return v


@pytest.mark.parametrize("bl", [1, 5, 31])
def test_update_record_and_generators_match_reference(bl):
    rng = np.random.default_rng(bl)
    tile = make_tile()
    tile.set_seed(12345)
    start = [int(s) for s in tile.gen]
    px, pd = random_lanes(rng, 12), random_lanes(rng, 10)
    px[0], pd[0] = -128, 127
    tile.update(px.astype(np.int8), pd.astype(np.int8), bl, "A")
    want, states = ref_update_record(start, px, pd, bl)
    for got, ref in zip(tile.last_record, want):
        np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(tile.gen.astype(np.uint64), np.array(states, dtype=np.uint64))


def test_sub_phase_gating_and_polarity():
    rng = np.random.default_rng(1)
    tile = make_tile()
    bl = 31
    for _ in range(5):
        px, pd = random_lanes(rng, 12), random_lanes(rng, 10)
        tile.update(px, pd, bl, "A")
        r, c, s = tile.last_record
        assert r.shape == (4 * bl, 12) and c.shape == (4 * bl, 10)
        np.testing.assert_array_equal(s, [True] * 2 * bl + [False] * 2 * bl)
        sx, sd = px < 0, pd < 0
        per_phase = np.array([r[p * bl:(p + 1) * bl].astype(int).T @ c[p * bl:(p + 1) * bl].astype(int)
                              for p in range(4)])            # [phase, rows, cols]
        phase_of = np.select([~sx[:, None] & ~sd[None, :], sx[:, None] & sd[None, :],
                              ~sx[:, None] & sd[None, :]], [0, 1, 2], 3)
        for p in range(4):
            assert np.all(per_phase[p][phase_of != p] == 0)
        # Lines only fire in sub-phases that admit their sign; zero lanes never fire.
        for p, (row_neg, col_neg) in enumerate(((0, 0), (1, 1), (0, 1), (1, 0))):
            assert not r[p * bl:(p + 1) * bl][:, sx != row_neg].any()
            assert not c[p * bl:(p + 1) * bl][:, sd != col_neg].any()
        assert not r[:, px == 0].any() and not c[:, pd == 0].any()
        # SET where signs agree, RESET where they differ.
        runs = coincidence_counts(r, c, s)
        (up_counts, up), (down_counts, down) = runs
        assert up and not down
        assert np.all(up_counts[sx[:, None] != sd[None, :]] == 0)
        assert np.all(down_counts[sx[:, None] == sd[None, :]] == 0)


def test_mean_pulse_count_is_bl_px_pd():
    cfg = TileConfig(rows=8, cols=8)
    tile = make_tile(cfg)
    px = np.array([127, -127, 64, -64, 32, -100, 10, 0])
    pd = np.array([-127, 127, 90, -45, 20, 127, -64, 5])
    bl, n = 31, 300
    total = np.zeros((8, 8))
    for _ in range(n):
        tile.update(px, pd, bl, "A")
        total += sum(cnt for cnt, _ in coincidence_counts(*tile.last_record))
    expected = bl * (np.minimum(np.abs(px), 127)[:, None] / 128) * (np.abs(pd)[None, :] / 128)
    mean = total / n
    # Binomial(bl, p_x p_d) per update: standard error of the mean sqrt(bl p (1-p) / n).
    p = expected / bl
    se = np.sqrt(bl * p * (1 - p) / n)
    assert np.all(np.abs(mean - expected) <= 5 * se + 1e-9)
    assert np.all(mean[7] == 0)


def test_update_moves_only_the_selected_array_in_the_requested_direction():
    tile = make_tile()
    a0, c0 = tile.arrays["A"].weights, tile.arrays["C"].weights
    px = np.zeros(12, int)
    px[:6] = 127
    pd = np.zeros(10, int)
    pd[:5], pd[5:] = 127, -127
    for _ in range(3):
        tile.update(px, pd, 31, "A")
    dw = tile.arrays["A"].weights - a0
    assert np.all(dw[:6, :5] > 0) and np.all(dw[:6, 5:] < 0) and np.all(dw[6:] == 0)
    np.testing.assert_array_equal(tile.arrays["C"].weights, c0)
    tile.update(-px, pd, 31, "C")
    dc = tile.arrays["C"].weights - c0
    assert np.all(dc[:6, :5] < 0) and np.all(dc[:6, 5:] > 0)


def test_update_and_register_validation():
    tile = make_tile()
    px, pd = np.zeros(12, int), np.zeros(10, int)
    for bl in (0, 32, -1):
        with pytest.raises(ValueError, match="bl"):
            tile.update(px, pd, bl, "A")
    with pytest.raises(ValueError, match="px"):
        tile.update(np.zeros(11, int), pd, 1, "A")
    with pytest.raises(ValueError, match="pd"):
        tile.update(px, np.full(10, 200), 1, "A")
    with pytest.raises(ValueError, match="array"):
        tile.update(px, pd, 1, "B")
    with pytest.raises(ValueError, match="thresh"):
        tile.set_thresh(-1)
    with pytest.raises(ValueError, match="codes"):
        tile.forward(np.zeros(10, int))


# ---------------------------------------------------------------- reads
def ref_read(xbar, codes, M, Q, retries, transposed):
    """Section 4 as a plain loop on a twin array."""
    c = [max(-M, min(M, int(v))) for v in codes]
    s = 0
    while True:
        x = np.array([(-1.0 if v < 0 else 1.0) * ((abs(v) >> s) / M) for v in c])
        q = xbar.read(x, transposed)
        sat = bool(np.any(np.abs(q) >= Q))
        if sat and s < retries:
            s += 1
            continue
        return [int(v) << s for v in q], s, sat


@pytest.mark.parametrize("transposed", [False, True])
def test_bound_management_against_twin_array(transposed):
    """Noisy device, noisy periphery: the model drives its array exactly like the reference."""
    cfg = TileConfig(rows=40, cols=24)
    tile = make_tile(cfg, device="cmo_hfox", periphery=PeripheryParams(), noise=CmoNoiseParams(), seed=3)
    twin = CrossbarArray(40, 24, get_preset("cmo_hfox"), PeripheryParams(), 9, 4)  # array C
    w = np.random.default_rng(5).uniform(0.2, 1.0, (40, 24))
    tile.arrays["C"].program(w)
    twin.program(w)
    rng = np.random.default_rng(6)
    shifts = set()
    for scale in (10, 40, 80, 128, 128, 128):
        n = 24 if transposed else 40
        codes = rng.integers(0, scale, n) * rng.choice([1, 1, 1, -1], n)
        if scale == 128:          # large same-sign inputs (some beyond M): saturate, retry
            codes = rng.integers(60, 128, n)
        op = tile.backward if transposed else tile.forward
        out, s, sat = op(codes.astype(np.int8) if scale < 128 else codes, "C")
        want, ws, wsat = ref_read(twin, codes, 63, 255, 3, transposed)
        assert out.dtype == np.int16
        np.testing.assert_array_equal(out, want)
        assert (s, sat) == (ws, wsat)
        assert (tile.bm_shift, tile.saturated) == (s, sat)
        shifts.add(s)
    assert len(shifts) >= 2  # exercised both plain reads and retries
    np.testing.assert_array_equal(tile.yrow if transposed else tile.ycol, out)


def test_bound_management_halves_and_shifts_exactly():
    cfg = TileConfig(rows=16, cols=8)
    tile = make_tile(cfg)
    tile.arrays["C"].program(np.ones((16, 8)))
    codes = np.full(16, 63)
    # y = 16 > 12 saturates; s = 1: width 31, y = 16 * 31/63 -> q = rint(y * 255 / 12) = 167.
    out, s, sat = tile.forward(codes, "C")
    assert (s, sat) == (1, False)
    q1 = int(np.rint(16 * (31 / 63) * 255 / 12))
    assert q1 == 167
    np.testing.assert_array_equal(out, [q1 << 1] * 8)
    # Negative codes clip to -M: -128 behaves as -63.
    out_neg, s_neg, _ = tile.forward(np.full(16, -128), "C")
    np.testing.assert_array_equal(out_neg, -out)
    # Without retries the saturated code comes back with the flag set.
    tile0 = make_tile(TileConfig(rows=16, cols=8, bm_retries=0))
    tile0.arrays["C"].program(np.ones((16, 8)))
    out0, s0, sat0 = tile0.forward(codes, "C")
    assert (s0, sat0) == (0, True)
    np.testing.assert_array_equal(out0, [255] * 8)
    # Saturated even after all retries: 1 row only gets width 63 >> 3 = 7 but 64 rows of 1.0.
    big = make_tile(TileConfig(rows=64, cols=4, bm_retries=1))
    big.arrays["A"].program(np.ones((64, 4)))
    outb, sb, satb = big.forward(np.full(64, 63), "A")
    assert (sb, satb) == (1, True)
    np.testing.assert_array_equal(outb, [255 << 1] * 4)


def test_backward_is_transposed_read():
    tile = make_tile()
    w = np.random.default_rng(7).choice([-0.5, -0.25, 0.0, 0.25, 0.5], (12, 10))
    tile.arrays["A"].program(w)
    codes = np.random.default_rng(8).integers(-63, 64, 10)
    out, s, sat = tile.backward(codes, "A")
    x = codes / 63.0
    np.testing.assert_array_equal(out, np.rint((w @ x) * 255 / 12.0).astype(int))
    assert s == 0 and not sat and out.shape == (12,)


# ---------------------------------------------------------------- transfer
def transfer_tile(acc_width=16):
    tile = make_tile(TileConfig(rows=6, cols=5, acc_width=acc_width))
    w = np.zeros((6, 5))
    w[2] = [0.5, -0.5, 0.25, 0.0, 0.125]     # q = rint(w * 255 / 12) = [11, -11, 5, 0, 3]
    tile.arrays["A"].program(w)
    return tile


def test_transfer_threshold_arithmetic_and_pulses():
    tile = transfer_tile()
    tile.set_thresh(4)
    gen0 = tile.gen.copy()
    c0 = tile.arrays["C"].weights
    h = np.zeros(5, dtype=int)
    ups = np.zeros(5, int)
    downs = np.zeros(5, int)
    for step in range(7):
        neg = step % 3 == 2
        q = tile.transfer(2, neg)
        want_q = np.array([11, -11, 5, 0, 3]) * (-1 if neg else 1)
        np.testing.assert_array_equal(q, want_q)
        np.testing.assert_array_equal(tile.ycol, want_q)
        h = h + want_q
        up, down = h >= 4, h <= -4
        h = np.where(up, h - 4, np.where(down, h + 4, h))
        ups += up
        downs += down
        np.testing.assert_array_equal(tile.H[2], h)
        r, c, s = tile.last_record
        np.testing.assert_array_equal(s, [True, False])
        np.testing.assert_array_equal(r, np.eye(6, dtype=bool)[[2, 2]])
        np.testing.assert_array_equal(c, np.stack([up, down]))
    assert np.all(tile.H[[0, 1, 3, 4, 5]] == 0)
    np.testing.assert_array_equal(tile.gen, gen0)       # TRANSFER never steps the generators
    dc = tile.arrays["C"].weights - c0
    assert np.all(dc[[0, 1, 3, 4, 5]] == 0)
    net = ups - downs
    assert np.all(np.sign(dc[2]) == np.sign(net))
    assert (tile.bm_shift, tile.saturated) == (0, False)


def test_transfer_h_saturates_without_wrapping():
    tile = make_tile(TileConfig(rows=4, cols=3, acc_width=11),
                     periphery=PeripheryParams(out_bound=0.5, out_noise=0.0, w_noise=0.0))
    w = np.zeros((4, 3))
    w[1] = [1.0, -1.0, 0.0]
    tile.arrays["A"].program(w)
    tile.set_thresh(2**32 - 1)                           # never reached
    for n in range(1, 10):
        q = tile.transfer(1, False)
        np.testing.assert_array_equal(q, [255, -255, 0])
        assert (tile.bm_shift, tile.saturated) == (0, True)   # no bound management
        np.testing.assert_array_equal(tile.H[1], [min(255 * n, 1023), max(-255 * n, -1024), 0])
    for _ in range(9):
        tile.transfer(1, True)
    np.testing.assert_array_equal(tile.H[1], [-1024, 1023, 0])
    # Saturation then threshold: h = sat(-1024 - 255) = -1024 <= -1000 -> down, h = -24.
    tile.set_thresh(1000)
    tile.transfer(1, True)
    np.testing.assert_array_equal(tile.H[1], [-24, 23, 0])
    np.testing.assert_array_equal(tile.last_record[1], [[False, True, False], [True, False, False]])
    tile.clear_h()
    assert not tile.H.any()


def test_transfer_validation():
    tile = transfer_tile()
    with pytest.raises(ValueError, match="k"):
        tile.transfer(6, False)
    with pytest.raises(ValueError, match="k"):
        tile.transfer(-1, False)
    tile.set_thresh(0)
    with pytest.raises(ValueError, match="thresh"):
        tile.transfer(0, False)


def test_constructor_checks_array_geometry():
    cfg = TileConfig(rows=6, cols=5)
    dev = get_preset("ideal")
    good = CrossbarArray(6, 5, dev, QUIET, 9, 0)
    with pytest.raises(ValueError, match="array_a"):
        TileModel(cfg, CrossbarArray(5, 6, dev, QUIET, 9, 0), good)
    with pytest.raises(ValueError, match="adc_bits"):
        TileModel(cfg, good, CrossbarArray(6, 5, dev, QUIET, 8, 0))

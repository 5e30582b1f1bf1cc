"""Host-side arithmetic of in-situ training: what the digital host computes around the tile.

The tile (RTL or its system model) only sees integer vectors: DAC codes, ADC codes, pulse
probability codes and transfer commands. This module converts between those and the network's
floating-point quantities, identically for every backend, so that RTL and system model see the
same integers:

* noise management: each input vector is scaled by its max |x| before the DAC (section 4 of
  docs/ARCHITECTURE.md), the scale is undone after the ADC;
* update management (Gokmen & Vlasov 2016): BL = min(ceil(lr*max|x|*max|d| / dw_min), max_bl),
  probabilities balanced by sqrt(max|x| / max|d|);
* chopped Tiki-Taka v2 bookkeeping: chopper signs per input row and the cyclic transfer row;
* a floating-point baseline of the same network.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PROB_SCALE = 128  # probability code m means m / 128 (ARCHITECTURE section 5)
PROB_MAX = 127


def dac_codes(x: np.ndarray, dac_max: int) -> tuple[np.ndarray, float]:
    """Noise-managed DAC codes of x: (int8 codes in [-M, M], scale = max|x|)."""
    x = np.asarray(x, dtype=np.float64)
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    if scale == 0.0:
        return np.zeros(x.shape, dtype=np.int8), 1.0
    return np.rint(x / scale * dac_max).astype(np.int8), scale


def adc_values(out: np.ndarray, scale: float, out_bound: float, adc_max: int) -> np.ndarray:
    """Undo ADC quantisation and noise management: weight-unit dot products."""
    return np.asarray(out, dtype=np.float64) * (out_bound / adc_max) * scale


@dataclass(frozen=True)
class UpdateCodes:
    px: np.ndarray  # int8 [rows]
    pd: np.ndarray  # int8 [cols]
    bl: int


def update_codes(x: np.ndarray, d: np.ndarray, lr: float, dw_min: float,
                 max_bl: int) -> UpdateCodes | None:
    """Pulse probability codes for the stochastic update dW = -lr * x d^T (weight units).

    Returns None when the update is empty (x or d all zero), so no UPDATE command is issued.
    Device (i, j) moves up where sign(x_i) != sign(d_j); the tile moves up where the code signs
    agree, so d's sign is flipped here.
    """
    x = np.asarray(x, dtype=np.float64)
    d = -np.asarray(d, dtype=np.float64)
    x_max, d_max = float(np.max(np.abs(x))), float(np.max(np.abs(d)))
    if x_max == 0.0 or d_max == 0.0 or lr == 0.0:
        return None
    bl = int(min(max(math.ceil(lr * x_max * d_max / dw_min), 1), max_bl))
    gain = lr / (dw_min * bl)
    b = math.sqrt(gain * d_max / x_max)  # balances the two trains: p_x,max == p_d,max
    a = math.sqrt(gain * x_max / d_max)
    px = _prob_codes(x, b)
    pd = _prob_codes(d, a)
    if not px.any() or not pd.any():
        return None
    return UpdateCodes(px, pd, bl)


def _prob_codes(v: np.ndarray, gain: float) -> np.ndarray:
    magnitude = np.minimum(np.rint(np.abs(v) * gain * PROB_SCALE), PROB_MAX)
    return (np.sign(v) * magnitude).astype(np.int8)


class Chopper:
    """c-TTv2 state of one tile: chopper sign per input row and the cyclic transfer pointer.

    A's updates see x * chopper; the transfer read of row k is driven with polarity chopper[k],
    so the read-out is de-chopped in the analog domain. After row k is transferred its chopper
    flips with probability `flip_prob` (host random generator, seeded).
    """

    def __init__(self, rows: int, flip_prob: float, rng: np.random.Generator):
        self.signs = np.ones(rows)
        self.flip_prob = flip_prob
        self.rng = rng
        self.next_row = 0

    def chop(self, x: np.ndarray) -> np.ndarray:
        return x * self.signs

    def next_transfer(self) -> tuple[int, bool]:
        """(row, negative polarity) for the next TRANSFER; advances and maybe flips."""
        row = self.next_row
        negative = bool(self.signs[row] < 0)
        self.next_row = (row + 1) % len(self.signs)
        if self.rng.random() < self.flip_prob:
            self.signs[row] = -self.signs[row]
        return row, negative


# ---------------------------------------------------------------------------------------------
# Network arithmetic shared by all backends and by the floating-point baseline.

def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z))
    return e / e.sum()


def with_bias(x: np.ndarray) -> np.ndarray:
    """Append the constant input that drives the bias row of a tile."""
    return np.append(x, 1.0)


def init_weights(fan_in: int, fan_out: int, rng: np.random.Generator,
                 limit: float) -> np.ndarray:
    """Uniform Xavier initialisation clipped to the device's weight range."""
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return np.clip(rng.uniform(-bound, bound, size=(fan_in, fan_out)), -limit, limit)


def train_float_baseline(x_train, y_train, x_test, y_test, hidden: int, classes: int,
                         epochs: int, lr: float, seed: int) -> tuple[float, list[float]]:
    """Per-sample SGD of the same MLP (sigmoid hidden layer, softmax) in float64.

    Returns (final test accuracy, test accuracy after each epoch).
    """
    rng = np.random.default_rng(seed)
    w1 = init_weights(x_train.shape[1] + 1, hidden, rng, 1.0)
    w2 = init_weights(hidden + 1, classes, rng, 1.0)
    curve = []
    for _ in range(epochs):
        for idx in rng.permutation(len(x_train)):
            x1 = with_bias(x_train[idx])
            h = sigmoid(x1 @ w1)
            x2 = with_bias(h)
            p = softmax(x2 @ w2)
            d2 = p.copy()
            d2[y_train[idx]] -= 1.0
            d1 = (w2[:-1] @ d2) * h * (1.0 - h)
            w2 -= lr * np.outer(x2, d2)
            w1 -= lr * np.outer(x1, d1)
        h = sigmoid(np.hstack([x_test, np.ones((len(x_test), 1))]) @ w1)
        logits = np.hstack([h, np.ones((len(h), 1))]) @ w2
        curve.append(float(np.mean(np.argmax(logits, axis=1) == y_test)))
    return curve[-1], curve

"""Vectorised conversion between wide HDL integers and numpy lane arrays.

Lane k of a flat bus occupies bits [k*bits, (k+1)*bits), least significant lane first, which is
how the macro's buses and the DATA port's lanes are laid out (docs/ARCHITECTURE.md).
"""
from __future__ import annotations

import numpy as np


def int_to_bits(value: int, nbits: int) -> np.ndarray:
    """Bit array (uint8 0/1, LSB first) of a non-negative Python int."""
    raw = value.to_bytes((nbits + 7) // 8, "little")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:nbits]


def bits_to_int(bits: np.ndarray) -> int:
    return int.from_bytes(np.packbits(np.asarray(bits, dtype=np.uint8), bitorder="little")
                          .tobytes(), "little")


def unpack_lanes(value: int, lanes: int, bits: int, signed: bool) -> np.ndarray:
    """Split a flat bus value into `lanes` integers of `bits` bits each."""
    flat = int_to_bits(value, lanes * bits).reshape(lanes, bits).astype(np.int64)
    out = flat @ (np.int64(1) << np.arange(bits, dtype=np.int64))
    if signed:
        out = np.where(out >= (1 << (bits - 1)), out - (1 << bits), out)
    return out


def pack_lanes(values: np.ndarray, bits: int) -> int:
    """Inverse of unpack_lanes (two's complement for negative lanes)."""
    values = np.asarray(values, dtype=np.int64) & ((1 << bits) - 1)
    flat = (values[:, None] >> np.arange(bits, dtype=np.int64)) & 1
    return bits_to_int(flat.reshape(-1))


def unpack_bool_matrix(value: int, rows: int, cols: int) -> np.ndarray:
    """Bit (r, c) at position r*cols + c -> bool [rows, cols]."""
    return int_to_bits(value, rows * cols).reshape(rows, cols).astype(bool)


def words_from_lanes(values: np.ndarray, lane_bits: int) -> list[int]:
    """Pack lanes into 32-bit DATA words, lane n in word n // (32/lane_bits)."""
    per_word = 32 // lane_bits
    values = np.asarray(values, dtype=np.int64)
    padded = np.zeros(-(-len(values) // per_word) * per_word, dtype=np.int64)
    padded[:len(values)] = values
    lanes = (padded & ((1 << lane_bits) - 1)).reshape(-1, per_word)
    words = (lanes << (np.arange(per_word, dtype=np.int64) * lane_bits)).sum(axis=1)
    return [int(w) for w in words]


def lanes_from_words(words: list[int], lane_bits: int, count: int) -> np.ndarray:
    """Unpack signed lanes from 32-bit DATA words (inverse of words_from_lanes)."""
    per_word = 32 // lane_bits
    arr = np.asarray(words, dtype=np.int64)[:, None]
    lanes = (arr >> (np.arange(per_word, dtype=np.int64) * lane_bits)) & ((1 << lane_bits) - 1)
    lanes = lanes.reshape(-1)[:count]
    return np.where(lanes >= (1 << (lane_bits - 1)), lanes - (1 << lane_bits), lanes)

"""Deterministic randomness: seeded generators, hashes and id-like strings."""

from __future__ import annotations

import hashlib

import numpy as np


def stable_int(*parts) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "little")


def rng_for(*parts: int) -> np.random.Generator:
    return np.random.default_rng([int(p) & 0xFFFFFFFF for p in parts] + [stable_int(*parts) & 0xFFFFFFFF])


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + _GOLD
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
_UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)


def hex_strings(keys: np.ndarray, n_chars: int, salt: int = 0) -> np.ndarray:
    """Deterministic lowercase hex strings (numpy unicode array) from integer keys."""
    h = splitmix64(np.asarray(keys, dtype=np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF))
    words = [h]
    while len(words) * 16 < n_chars:
        words.append(splitmix64(words[-1] ^ np.uint64(0x5851F42D4C957F2D)))
    nib = np.concatenate(
        [(w[:, None] >> (np.arange(16, dtype=np.uint64) * np.uint64(4))) & np.uint64(15) for w in words], axis=1
    )[:, :n_chars]
    chars = _HEX[nib.astype(np.int64)]
    return chars.view(f"S{n_chars}").ravel().astype(str)


def token(*parts, n: int = 16, alphabet: bytes = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    """Deterministic id-like token (e.g. SKUs)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=32).digest()
    return "".join(chr(alphabet[b % len(alphabet)]) for b in digest[:n])


def normal_from_hash(keys: np.ndarray) -> np.ndarray:
    """Standard normal draws that depend only on the integer keys (Box-Muller on two hashes)."""
    h1 = splitmix64(keys)
    h2 = splitmix64(h1 ^ np.uint64(0xD1B54A32D192ED03))
    u1 = ((h1 >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    u2 = ((h2 >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

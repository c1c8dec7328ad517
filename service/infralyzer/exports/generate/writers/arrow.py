"""Arrow building blocks shared by the CUR and FOCUS writers: typed arrays from numpy, ids,
intervals, and the organisation's vocabularies (accounts, tags, SKU attributes)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from infralyzer.exports.generate.model.clock import MS_PER_HOUR, iso_h
from infralyzer.exports.generate.model.hashing import splitmix64
from infralyzer.exports.generate.model.organisation_model import OrganisationModel
from infralyzer.exports.generate.model.reference import EDP_RATE
from infralyzer.exports.generate.simulation.rows import r10

TS = pa.timestamp("ms", tz="UTC")
_MAP_STR = pa.map_(pa.string(), pa.string())


def take(vocab: pa.Array, idx: np.ndarray) -> pa.Array:
    idx = np.asarray(idx)
    mask = idx < 0
    ind = pa.array(np.where(mask, 0, idx).astype(np.int32), mask=mask if mask.any() else None)
    return vocab.take(ind)


def f64(x) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    m = np.isnan(x)
    return pa.array(x, type=pa.float64(), mask=m if m.any() else None)


def ts(ms) -> pa.Array:
    return pa.array(np.asarray(ms, dtype=np.int64), type=TS)


def const(value, n: int, type_=pa.string()) -> pa.Array:
    if value is None:
        return pa.nulls(n, type_)
    return take(pa.array([value], type=type_), np.zeros(n, np.int32))


def line_item_ids(period_seed: int, start: int, n: int) -> pa.Array:
    """52-character base32 ids, unique within the period (bijective hash of the row counter)."""
    keys = np.arange(start, start + n, dtype=np.uint64) ^ np.uint64(period_seed & 0x7FFFFFFFFFFF0000)
    w = [splitmix64(keys)]
    for _ in range(4):
        w.append(splitmix64(w[-1] ^ np.uint64(0x632BE59BD9B4E019)))
    words = np.stack(w, axis=1)
    bits = np.unpackbits(words.view(np.uint8).reshape(n, 40), axis=1)[:, :260].reshape(n, 52, 5)
    idx = bits @ np.array([16, 8, 4, 2, 1], dtype=np.uint8)
    chars = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)[idx]
    offsets = np.arange(0, 52 * (n + 1), 52, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes()))


def interval_strings(t0: np.ndarray, t1: np.ndarray) -> pa.Array:
    key = t0.astype(np.int64) * 100_000 + ((t1 - t0) // MS_PER_HOUR).astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    vocab = []
    for k in uniq:
        a = int(k // 100_000) // MS_PER_HOUR
        b = a + int(k % 100_000)
        vocab.append(f"{iso_h(a)}/{iso_h(b)}")
    return take(pa.array(vocab, type=pa.string()), inv.ravel())


class OrgVocab:
    """Arrow vocabularies shared by every block of an organisation (cached on the org)."""

    def __init__(self, org: OrganisationModel):
        self.org = org
        n_acct = len(org.all_accounts)
        self.acct_id = pa.array([a.account_id for a in org.all_accounts], type=pa.string())
        self.acct_name = pa.array([a.name for a in org.all_accounts], type=pa.string())
        self.cost_category = pa.array(
            [[("business_unit", a.business_unit)] if a.business_unit else [] for a in org.all_accounts], type=_MAP_STR)
        self.resource_tags = pa.array([sorted(p.items()) for p in org.tag_profiles], type=_MAP_STR)
        combined, focus = [], []
        for p in org.tag_profiles:
            for a in org.all_accounts:
                acc = {"accountTag/owner": a.owner}
                if a.business_unit:
                    acc["accountTag/business-unit"] = a.business_unit
                combined.append(sorted({**p, **acc}.items()))
                focus.append(sorted({**{k[5:] if k.startswith("user_") else k: v for k, v in p.items()},
                                     **acc}.items()))
        self.n_acct = n_acct
        self.tags = pa.array(combined, type=_MAP_STR)
        self.focus_tags = pa.array(focus, type=_MAP_STR)
        azs = [f"{r[0]}{c}" for r in org.regions for c in "abc"]
        self.az = pa.array(azs, type=pa.string())
        self.iam = pa.array(org.iam_principals, type=pa.string())
        self.sku = org.skus.arrow()

    @staticmethod
    def of(org: OrganisationModel) -> "OrgVocab":
        v = org.cache.get("_vocab")
        if v is None:
            v = org.cache["_vocab"] = OrgVocab(org)
        return v


def fmt_rate(x: float | None) -> str | None:
    """A CUR rate string (10 decimals), null for no rate."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return f"{x:.10f}"


def net_of(x: np.ndarray, elig: np.ndarray) -> np.ndarray:
    """The net-of-EDP twin of an amount on EDP-eligible rows."""
    return np.where(elig, r10(x * (1.0 - EDP_RATE)), x)


def discount_map(disc: np.ndarray) -> pa.Array:
    """The CUR `discount` map column: `{edp_discount: amount}` where a row has a discount."""
    has = ~np.isnan(disc)
    offsets = np.zeros(len(disc) + 1, np.int32)
    offsets[1:] = np.cumsum(has)
    m = int(has.sum())
    keys = const("edp_discount", m)
    items = pa.array(disc[has], type=pa.float64())
    return pa.MapArray.from_arrays(pa.array(offsets), keys, items)

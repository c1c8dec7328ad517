"""Lifetimes of resources: core ones (born 2016-2020, never die) and churning ones born at evenly
spaced times, so the population is stationary between 2020-01 and 2030-12."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.clock import CHURN_FROM_H, CHURN_TO_H, CORE_FROM_H, INF_H, WINDOW_START_H


def lifetimes(rng, n: int, core_share: float, life_mean_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(birth, death, core) for n resources: core ones (born 2016-2020, never die) first."""
    n_core = int(round(n * core_share))
    birth = np.empty(n, dtype=np.int64)
    death = np.empty(n, dtype=np.int64)
    birth[:n_core] = rng.integers(CORE_FROM_H, WINDOW_START_H, n_core)
    death[:n_core] = INF_H
    m = n - n_core
    if m:
        span = CHURN_TO_H - CHURN_FROM_H
        b = CHURN_FROM_H + ((np.arange(m) + rng.random(m)) * span / m).astype(np.int64)
        life = (life_mean_h * rng.uniform(0.25, 1.75, m)).astype(np.int64) + 1
        birth[n_core:] = b
        death[n_core:] = b + life
    core = np.zeros(n, dtype=bool)
    core[:n_core] = True
    return birth, death, core


def churn_births(n_alive: float, life_mean_h: float) -> int:
    """How many churn resources to create so that ~n_alive are alive at any time."""
    return int(round(n_alive * (CHURN_TO_H - CHURN_FROM_H) / life_mean_h))

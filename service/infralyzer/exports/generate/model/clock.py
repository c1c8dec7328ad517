"""Billing periods and hours: every time in the model is a whole hour since the epoch."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

MS_PER_HOUR = 3_600_000
INF_H = 2**40  # "never dies"
TERM_1Y_H = 365 * 24
TERM_3Y_H = 3 * 365 * 24


def period_start(period: str) -> datetime:
    y, m = (int(x) for x in period.split("-"))
    return datetime(y, m, 1, tzinfo=UTC)


def add_months(period: str, n: int) -> str:
    y, m = (int(x) for x in period.split("-"))
    idx = y * 12 + (m - 1) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def to_hours(dt: datetime) -> int:
    return int(dt.timestamp()) // 3600


def period_hours(period: str) -> tuple[int, int]:
    """(first hour, end hour) of the period, in hours since the epoch."""
    return to_hours(period_start(period)), to_hours(period_start(add_months(period, 1)))


def period_int(period: str) -> int:
    y, m = (int(x) for x in period.split("-"))
    return y * 100 + m


def iso_h(hours: int) -> str:
    return datetime.fromtimestamp(int(hours) * 3600, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hour_of_date(year: int, month: int, day: int = 1) -> int:
    return to_hours(datetime(year, month, day, tzinfo=UTC))


WINDOW_START_H = hour_of_date(2020, 1)
CHURN_FROM_H = hour_of_date(2019, 7)
CHURN_TO_H = hour_of_date(2031, 1)
CORE_FROM_H = hour_of_date(2016, 1)


def overlap(a0, a1, b0, b1):
    """Length of the intersection of [a0, a1) and [b0, b1) (element-wise, 0 when disjoint)."""
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None)

"""Synthetic AWS Data Exports (CUR 2.0, FOCUS 1.2, COH, carbon) of a deterministic organisation.

    key = generate(exports_dir, periods=["2026-07", "2026-08", "2026-09"], line_items_per_month=20_000)
    key = redeliver(exports_dir, period="2026-09", revision=1)

`generate` writes every requested export for every period with the AWS delivery protocol of
`infralyzer.exports.layout` (data files first, manifest last), then the answer key to
`<exports_dir>/_answer_key/answer_key.json` (atomic) and returns it. The organisation is
`organisation.build_organisation(seed, line_items_per_month, anchor_period=max(periods))`:
resources do not depend on the periods, commitments are placed relative to the last period
(expiries 20/50/80 days after it, purchases in the two months before it).

COH and carbon are written by `writers/coh.py` / `writers/carbon.py` (from the period's resource
catalogue / spend by service); their answer-key fragments go to `periods[period]["coh"]` /
`["carbon"]`. Carbon's earliest period is written restated (two
model versions). The carbon export lags the CUR by months: with `carbon_lag_months=n` the last n
periods get no carbon delivery yet, and the key lists them in `carbon_not_yet_delivered`. If `exports_dir` already holds other billing periods, they are left alone and
are not described by the new key.

`redeliver` re-generates one billing period as AWS re-delivers the current month: same
organisation (seed, scale and anchor are read from the answer key), plus late-arriving usage that
depends on (seed, period, revision) - short-lived On-Demand instances, cumulative over revisions -
written as a new execution (new execution id, previous files removed by the protocol), for every
export the key lists. The period's entry of the answer key is replaced so that the key always
describes what is on disk.

Same arguments give identical file contents (execution ids and manifest timestamps aside) and
identical answer keys. See the module docstrings of organisation.py (model and where each part
lives), simulation/period.py (a billing period), writers/cur.py (CUR rows), writers/focus.py (FOCUS
mapping) and answer_key.py (definitions of every figure in the key).
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from tqdm import tqdm

from infralyzer.exports.generate import answer_key as _ak
from infralyzer.exports.generate import implemented_recommendations as _implemented
from infralyzer.exports.generate import injected_anomalies as _injected
from infralyzer.exports.generate.allocation_key import allocation_fragment
from infralyzer.exports.generate.optimisation_key import add_optimisation
from infralyzer.exports.generate.organisation import Organisation, build_organisation
from infralyzer.exports.generate.simulation.period import PeriodSim
from infralyzer.exports.generate.writers import carbon, coh
from infralyzer.exports.generate.writers import other_clouds
from infralyzer.exports.generate.writers.cur import cur_table
from infralyzer.exports.generate.writers.focus import focus_table
from infralyzer.exports.layout import open_delivery

__all__ = ["generate", "redeliver", "build_organisation", "organisation_from_key", "Organisation"]

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ROWS_PER_FILE = 1_000_000
OTHER_CLOUD_EXPORTS = ("azure_focus", "gcp_focus")


def _check_periods(periods) -> list[str]:
    periods = sorted(set(periods))
    if not periods:
        raise ValueError("at least one billing period is required")
    for p in periods:
        if not _PERIOD.match(p):
            raise ValueError(f"billing period must be 'YYYY-MM', got {p!r}")
    return periods


def _write_period(exports_dir: Path, org: Organisation, period: str, revision: int, exports: tuple[str, ...],
                  bar, restated: bool, seed: int) -> dict:
    sim = PeriodSim(org, period, revision)
    if bar is not None:
        bar.total = (bar.total or 0) + sim.n_blocks_estimate()
        bar.set_postfix_str(f"{period} rev {revision}")
    with ExitStack() as stack:
        cur_d = (stack.enter_context(open_delivery(exports_dir, "cur2", period, org.payer_account_id, ROWS_PER_FILE))
                 if "cur2" in exports else None)
        focus_d = (stack.enter_context(open_delivery(exports_dir, "focus", period, org.payer_account_id,
                                                     ROWS_PER_FILE)) if "focus" in exports else None)
        start = 0
        for rows in sim.blocks():
            if cur_d is not None:
                cur_d.write(cur_table(sim, rows, start))
            if focus_d is not None:
                focus_d.write(focus_table(sim, rows))
            start += rows.n
            if bar is not None:
                bar.update(1)
    result = sim.result()
    if org.anomaly_plan is not None:
        _injected.record_period(org.anomaly_plan, sim, period)
    org.cache[(period, revision)] = result
    org.cache.setdefault("_current", {})[period] = revision
    entry = dict(result["key"])
    if "cur2" in exports:
        # expected direct allocation per team of the period's resource usage (allocation_key.py)
        entry["allocation"] = allocation_fragment(org, period)
    else:
        entry.pop("cur2")
    if "focus" not in exports:
        entry.pop("focus")
    if "coh" in exports:
        entry["coh"] = coh.write_period(exports_dir, org, period, result["catalogue"], seed=seed, revision=revision)
    if "carbon" in exports:
        entry["carbon"] = carbon.write_period(exports_dir, org, period, result["spend"], seed=seed,
                                              revision=revision, restated=restated)
    # FOCUS exports of Azure and Google Cloud beside AWS's (writers/other_clouds.py)
    for export_type in OTHER_CLOUD_EXPORTS:
        if export_type in exports:
            entry[export_type] = other_clouds.write_period(exports_dir, export_type, period, seed=seed,
                                                           revision=revision)
    return entry


def generate(exports_dir: Path, *, periods: list[str], line_items_per_month: int = 20_000, seed: int = 42,
             exports: tuple[str, ...] = ("cur2", "focus", "coh", "carbon") + OTHER_CLOUD_EXPORTS, progress: bool = False,
             workers: int = 1, anomalies: bool = False, carbon_lag_months: int = 0,
             implementations: bool = False) -> dict:
    """Write every requested export for every period, then the answer key; return the key.

    With `workers` > 1 the periods are written by that many processes at once; a period depends on
    nothing but the organisation, so the files and the key are the same as with one.
    `anomalies=True` injects labelled spend anomalies (injected_anomalies.py), listed in the key's
    `injected_anomalies`; their key entries are filled period by period in one organisation, so
    such a history is written by one process whatever `workers` says.
    `carbon_lag_months` leaves the carbon delivery of the last that many periods out (not yet
    delivered, as the carbon export lags).
    `implementations=True` carries out some Cost Optimization Hub recommendations
    (implemented_recommendations.py), listed with their realised savings in the key's
    `implemented_recommendations`; also written by one process.
    """
    exports_dir = Path(exports_dir)
    periods = _check_periods(periods)
    exports = tuple(exports)
    unknown = set(exports) - {"cur2", "focus", "coh", "carbon", *OTHER_CLOUD_EXPORTS}
    if unknown:
        raise ValueError(f"unknown exports: {sorted(unknown)}")
    org = build_organisation(seed, line_items_per_month, anchor_period=periods[-1])
    key = _ak.new_key(org, periods, exports)
    key |= _carbon_lag(periods, exports, carbon_lag_months)
    if anomalies:
        org.anomaly_plan = _injected.plan_for(org, periods)
        key["injected_anomalies"] = org.anomaly_plan.entries
    if implementations and len(periods) > 1:
        org.implementation_plan = _implemented.plan_for(org, periods)
        key["implemented_recommendations"] = _implemented.to_key(org.implementation_plan)
    if workers > 1 and len(periods) > 1 and not anomalies and org.implementation_plan is None:
        key["periods"].update(_write_periods_in_parallel(exports_dir, periods, exports, seed, line_items_per_month,
                                                           workers, progress, key))
    else:
        with tqdm(total=0, disable=not progress, unit="block", desc="generate") as bar:
            for period in periods:
                key["periods"][period] = _write_period(exports_dir, org, period, 0, _delivered(exports, key, period),
                                                       bar, restated=(period == periods[0]), seed=seed)
    add_optimisation(exports_dir, key)
    _implemented.add_realised_savings(exports_dir, key)
    _ak.write_key(exports_dir, key)
    return key


_worker_org: Organisation | None = None  # the organisation of a worker process


def _init_worker(seed: int, line_items_per_month: int, anchor_period: str) -> None:
    global _worker_org
    _worker_org = build_organisation(seed, line_items_per_month, anchor_period=anchor_period)


def _write_worker_period(exports_dir: Path, period: str, exports: tuple[str, ...], restated: bool, seed: int) -> dict:
    return _write_period(exports_dir, _worker_org, period, 0, exports, None, restated=restated, seed=seed)


def _write_periods_in_parallel(exports_dir: Path, periods: list[str], exports: tuple[str, ...], seed: int,
                               line_items_per_month: int, workers: int, progress: bool, key: dict) -> dict[str, dict]:
    # spawned, not forked: polars' thread pool does not survive a fork; each worker builds the
    # (deterministic) organisation once
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                             initargs=(seed, line_items_per_month, periods[-1])) as pool, \
            tqdm(total=len(periods), disable=not progress, unit="period", desc="generate") as bar:
        futures = {period: pool.submit(_write_worker_period, exports_dir, period, _delivered(exports, key, period),
                                       period == periods[0], seed)
                   for period in periods}
        entries = {}
        for period, future in futures.items():
            entries[period] = future.result()
            bar.update(1)
    return entries



def organisation_from_key(key: dict) -> Organisation:
    """The organisation an answer key was generated from, with the changes the generation made to
    it (labelled anomalies, recommendations carried out): what its exports describe."""
    org = build_organisation(int(key["seed"]), int(key["line_items_per_month"]), anchor_period=key["anchor_period"])
    if key.get("injected_anomalies"):
        org.anomaly_plan = _injected.plan_from_key(org, key["injected_anomalies"])
    if key.get("implemented_recommendations"):
        org.implementation_plan = _implemented.plan_from_key(org, key["implemented_recommendations"])
    return org

def redeliver(exports_dir: Path, *, period: str, seed: int = 42, revision: int = 1,
              line_items_per_month: int | None = None, progress: bool = False) -> dict:
    """Re-deliver one billing period with late-arriving charges of `revision`; update and return the key."""
    exports_dir = Path(exports_dir)
    (period,) = _check_periods([period])
    if revision < 0:
        raise ValueError("revision must be >= 0")
    key = _ak.load_key(exports_dir)
    if key is None:
        n = line_items_per_month or 20_000
        org = build_organisation(seed, n, anchor_period=period)
        key = _ak.new_key(org, [period], ("cur2", "focus", "coh", "carbon"))
    else:
        if int(key["seed"]) != int(seed):
            raise ValueError(f"the exports were generated with seed {key['seed']}, not {seed}")
        n = int(key["line_items_per_month"])
        if line_items_per_month is not None and int(line_items_per_month) != n:
            raise ValueError(f"the exports were generated with line_items_per_month={n}; a re-delivery keeps the "
                             f"organisation, so it cannot change to {line_items_per_month}")
        org = organisation_from_key(key)
    exports = tuple(key.get("exports") or ("cur2", "focus"))
    periods = sorted(set(key["periods"]) | {period})
    if period not in key["periods"] and period == periods[-1] and key.get("carbon_lag_months"):
        # a new latest period: the lagging carbon export has not delivered it yet
        key["carbon_not_yet_delivered"] = [*key.get("carbon_not_yet_delivered", []), period]
    with tqdm(total=0, disable=not progress, unit="block", desc="redeliver") as bar:
        entry = _write_period(exports_dir, org, period, revision, _delivered(exports, key, period), bar,
                              restated=(period == periods[0]), seed=seed)
    key["periods"][period] = entry
    key["periods"] = {p: key["periods"][p] for p in periods}
    add_optimisation(exports_dir, key)
    _implemented.add_realised_savings(exports_dir, key)
    _ak.write_key(exports_dir, key)
    return key


def _carbon_lag(periods: list[str], exports: tuple[str, ...], lag_months: int) -> dict:
    """The key's record of the carbon export's lag: the periods it has not delivered yet."""
    if lag_months < 0:
        raise ValueError("carbon_lag_months must be >= 0")
    lagging = periods[len(periods) - lag_months:] if "carbon" in exports and lag_months else []
    return {"carbon_lag_months": lag_months, "carbon_not_yet_delivered": lagging}


def _delivered(exports: tuple[str, ...], key: dict, period: str) -> tuple[str, ...]:
    """The exports delivered for `period`: all but carbon where carbon lags."""
    if period in key.get("carbon_not_yet_delivered", []):
        return tuple(e for e in exports if e != "carbon")
    return exports

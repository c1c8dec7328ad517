"""Deterministic model of the synthetic AWS organisation behind the sample exports.

Everything the generator writes (CUR 2.0, FOCUS 1.2, and through the other helper COH and carbon)
is derived from one `Organisation`, built by `build_organisation(seed, line_items_per_month)`.
The same arguments always give the same organisation.

Modelling choices a reader of the generated data must know
------------------------------------------------------------
* **Accounts.** One payer (management) account, which has no usage of its own but owns every RI and
  Savings Plan (their fee rows, `Fee`/`RIFee`/`SavingsPlan*Fee`, are charged to it) and gets a
  Support fee and tax; 6-10 linked accounts (`org.accounts`, payer not included; `org.all_accounts`
  = payer + linked). One account id keeps a leading zero. Every account has account tags
  (`accountTag/owner`, `accountTag/business-unit` in the `tags` column) and most a cost category
  `business_unit`.
* **Regions.** 4-5 of us-east-1, us-west-2, eu-west-1, eu-central-1, ap-southeast-2. Usage types carry
  AWS's region prefix (`USE1-`, `USW2-`, `EU-` (sic, AWS's prefix for eu-west-1), `EUC1-`, `APS2-`),
  also for us-east-1. Prices are approximate public us-east-1 prices times a region factor.
* **Resources are independent of the generated periods.** Each resource has a lifetime (birth,
  death, in whole hours) and a schedule (always on, or weekdays 08:00-20:00 UTC). "Core" resources
  were created between 2016 and 2020 and never die; "churn" resources are born at evenly spaced
  (stratified) times between mid-2019 and 2031 and live a few weeks to months. The population is
  therefore stationary for billing periods between 2020-01 and 2030-12 (outside that window the
  row counts fall off). A few archetypes exist at any scale (a Spot c5, a Windows m5a, a Graviton
  m6g, a previous-generation m4; an Oracle, a SQL Server and a MySQL RDS; gp2/gp3/io1 volumes; x86
  and arm64 Lambda; ECS (x86) and EKS (ARM) Fargate; provisioned and on-demand DynamoDB; EKS and
  ECS container hosts; Route 53), so small samples still contain every kind of charge.
* **EBS snapshots** have a creation date (their birth): a "legacy" 3 % created before 2020 (always
  older than 12 months), rolling ones with lifetimes of 2-16 months, and monthly backup chains with
  90-day retention (so young snapshots always exist). The creation date is not written to the CUR
  (AWS does not write it); the answer key reports per period the snapshot cost created more than
  12 months before the period.
* **Commitments depend on an anchor period** (the last generated period, `anchor_period`):
  one Compute SP (No Upfront, 3yr, expires 20 days after the anchor month, 100 % used), one EC2
  Instance SP (r5 in us-west-2, Partial Upfront, 1yr, bought mid-month in anchor-1 so its upfront
  fee is in a generated period, partly used: its pool runs partly business hours only), one EC2 RI
  (m5.xlarge Linux us-east-1, No Upfront, standard 1yr, expires 50 days after the anchor month,
  100 % used), one EC2 RI (c5.2xlarge Linux eu-west-1, Partial Upfront, convertible 3yr, bought in
  anchor-2, partly used) and one RDS RI (db.r6g.large PostgreSQL us-east-1, All Upfront, 1yr, expires
  80 days after the anchor month, 4 reservations for one running instance: ~25 % used). RIs are
  applied first (to exactly matching instances, not size-flexible), then the EC2 Instance SP, then
  the Compute SP; a Savings Plan covers eligible usage in order of its savings percentage, and
  the usage line at the boundary of the hour's commitment is split into a covered part and an
  On-Demand remainder, as AWS does. Compute SPs cover EC2 (On-Demand, shared tenancy) and Fargate,
  not Lambda (Lambda is written at daily grain). Container hosts and Spot are never covered.
  Commitments are owned by the payer; their pools of matching instances are core resources.
* **Granularity.** With `line_items_per_month >= HOURLY_THRESHOLD` (40k) hourly-billed resources
  (EC2, Fargate, RDS instances, EKS clusters, SP recurring fees) get one row per hour; storage,
  requests, Lambda, DynamoDB, data transfer, other services and marketplace get one row per day.
  Below the threshold the whole export is written at DAILY granularity (as a CUR with
  `TIME_GRANULARITY = DAILY`): the fixed hourly structure (commitment pools and fee rows, container
  hosts and their split rows, ...) alone needs ~20k rows a month, which would leave no room for
  the rest of the organisation.
* **Scale.** The number of resources is calibrated so that a 730-hour month has about
  `line_items_per_month` CUR rows (months of 672-744 hours give proportionally fewer/more): an
  analytic estimate, refined below `DRY_RUN_BELOW` rows by dry simulations of the anchor period.
  Targets below 1000 are raised to 1000.
* **Tags.** ~20 % of resources are untagged (more in the sandbox); keys and values are
  inconsistent on purpose (`user_team`/`user_Team`, `user_cost_center`/`user_costcenter`,
  `user_environment`/`user_env`, `prod`/`Prod`/`production`). Data transfer rows carry their
  instance's tags; split-cost child rows their host's. 70 % of tagged resources have an IAM
  principal (`line_item_iam_principal`, on Usage rows).
* **EDP.** An Enterprise Discount Program rate of `EDP_RATE` applies to every AWS-billed charge
  except Tax, Credit, Refund and AWS Marketplace.
* **Products not modelled:** Spot price changes within a month, size-flexible RIs, Lambda and
  SageMaker under Savings Plans, capacity reservations, bundled/private-rate discounts.

`org.resource_catalogue(period)` and `org.spend_by_service(period)` run (or reuse) the period's
simulation (`simulation/`), so they describe exactly the charges written to the CUR.

Where each part lives: `model/` (reference data, prices, accounts and tags, the resource
population, commitments), `simulation/` (one billing period as rows and the answer-key ledger),
`writers/` (one module per export), `answer_key.py` / `allocation_key.py` (the test oracle).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from infralyzer.exports.generate.model.accounts import Account, assign_tags_and_principals, make_accounts
from infralyzer.exports.generate.model.clock import CORE_FROM_H, period_hours
from infralyzer.exports.generate.model.commitments import place_commitments
from infralyzer.exports.generate.model.hashing import rng_for
from infralyzer.exports.generate.model.organisation_model import OrganisationModel
from infralyzer.exports.generate.model.population import PopulationBuilder
from infralyzer.exports.generate.model.prices import product_sku, support_sku
from infralyzer.exports.generate.model.reference import PAYER_NAME, REGIONS
from infralyzer.exports.generate.model.resource_ids import assign_resource_ids, pod_ids
from infralyzer.exports.generate.model.waste_resources import append_network_resources, draw_network_resources
from infralyzer.exports.generate.simulation.period import PeriodSim

__all__ = ["Account", "Organisation", "build_organisation"]

HOURLY_THRESHOLD = 40_000
REF_HOURS = 730.0
DEFAULT_ANCHOR = "2026-06"
REFERENCE_PERIOD = "2025-06"  # any period inside the stationary window; used to calibrate scale


class Organisation(OrganisationModel):
    """The model plus what it charges in a billing period (the contract of the COH / carbon writers
    and the allocation key)."""

    def simulate(self, period: str, revision: int | None = None) -> dict:
        """The period's simulation result (cached): catalogue, spend, answer-key fragment.

        `revision=None` means the revision last written for that period (0 if none)."""
        if revision is None:
            revision = self.cache.get("_current", {}).get(period, 0)
        key = (period, revision)
        if key not in self.cache:
            sim = PeriodSim(self, period, revision)
            for _ in sim.blocks():
                pass
            self.cache[key] = sim.result()
        return self.cache[key]

    def resource_catalogue(self, period: str, revision: int | None = None) -> pl.DataFrame:
        """One row per resource with usage charges in the period (columns: `simulation.results.catalogue_schema()`).

        Resources are EC2 instances, EBS volumes and snapshots, S3 buckets, RDS instances, Lambda
        functions, DynamoDB tables, Fargate services and EKS clusters (data transfer, other services
        and marketplace rows have no catalogue entry). Sums over the resource's Usage,
        DiscountedUsage and SavingsPlanCoveredUsage rows of the CUR (negation and split-cost rows
        excluded, data transfer excluded): `public_on_demand_cost` = sum of
        `pricing_public_on_demand_cost`, `unblended_cost` = sum of `line_item_unblended_cost` (so 0
        for RI-covered hours and the On-Demand cost for SP-covered hours). `purchase_option` is the
        option with the largest usage amount; `instance_type` is the EC2/RDS instance type or the
        EBS volume type; `processor` is the vendor of EC2, RDS, Fargate and Lambda; `tags` is a JSON
        string of the `resource_tags` map (`user_` keys) or null when untagged."""
        return self.simulate(period, revision)["catalogue"]

    def spend_by_service(self, period: str, revision: int | None = None) -> pl.DataFrame:
        """Usage spend (Usage, DiscountedUsage, SavingsPlanCoveredUsage; AWS-billed; negation and split
        rows excluded) by account, region (null for global services) and product code."""
        return self.simulate(period, revision)["spend"]


def _estimate_rows(b: PopulationBuilder, hourly: bool, edp_daily: bool, cover_units: float) -> float:
    """Expected CUR rows of a 730-hour month (alive fractions taken at REFERENCE_PERIOD).

    `cover_units` = Savings-Plan-covered usage lines per slot (each adds a negation row)."""
    p0, p1 = period_hours(REFERENCE_PERIOD)
    ph = p1 - p0
    hr = PopulationBuilder._concat(b.hr_parts)
    dr = PopulationBuilder._concat(b.dr_parts)
    slots = REF_HOURS if hourly else REF_HOURS / 24
    alive = np.clip(np.minimum(hr["death"], p1) - np.maximum(hr["birth"], p0), 0, None) / ph
    sched = np.where(hr["sched"] == 1, (60 / 168) if hourly else (5 / 7), 1.0)
    lines = (hr["sku"] >= 0).sum(axis=1)
    pods = np.where(hr["host"] > 0, hr["npods"], 0) if "npods" in hr else 0
    rows = float((alive * sched * (lines + pods)).sum() * slots)
    rows += cover_units * slots + 2 * 2 * slots  # negations; per SP a fee row and a boundary split per slot
    dalive = np.clip(np.minimum(dr["death"], p1) - np.maximum(dr["birth"], p0), 0, None) / ph
    dlines = (dr["sku"] >= 0).sum(axis=1)
    rows += float((dalive * dlines).sum() * REF_HOURS / 24)
    pairs = set()
    for part in (hr, dr):
        al = np.clip(np.minimum(part["death"], p1) - np.maximum(part["birth"], p0), 0, None) > 0
        prod = np.array([b.t.items[s].product_code if s >= 0 else "" for s in part["sku"][al].ravel()])
        acc = np.repeat(part["acct"][al], part["sku"].shape[1])
        pairs.update(zip(acc.tolist(), prod.tolist()))
    n_pairs = len([p for p in pairs if p[1]]) + 3
    n_acct = len(b.accounts)
    rows += 3 + 2 + n_acct + n_pairs + 5 + n_pairs * ((REF_HOURS / 24) if edp_daily else 1)
    return rows


def build_organisation(seed: int, line_items_per_month: int, anchor_period: str | None = None) -> Organisation:
    """The organisation for (seed, line_items_per_month); commitments are placed relative to
    `anchor_period` (the last generated billing period; default DEFAULT_ANCHOR)."""
    anchor = anchor_period or DEFAULT_ANCHOR
    target = max(1000, int(line_items_per_month))
    granularity = "HOURLY" if target >= HOURLY_THRESHOLD else "DAILY"
    payer_id, all_accounts = make_accounts(seed)
    rng0 = rng_for(seed, 3)
    n_regions = int(rng0.integers(4, 6))
    regions = REGIONS[:n_regions]
    edp_daily = granularity == "HOURLY" and target >= 100_000

    def trial(k: float) -> tuple[PopulationBuilder, float]:
        b = PopulationBuilder(seed, k, n_regions, all_accounts, regions, granularity)
        b.build()
        g = b.generic
        core_ao = int((g["core"] & (g["sched"] == 0) & ~g["spot"]).sum())
        ei_ao, ei_bh, _ = b.pool["SP-EI"]
        cover = 0.35 * core_ao + ei_ao + 0.5 * ei_bh
        return b, _estimate_rows(b, granularity == "HOURLY", edp_daily, cover)

    per_k_guess = 1800.0 if granularity == "HOURLY" else 260.0
    k = max(0.5, target / per_k_guess)
    best = None
    for _ in range(7):
        b, est = trial(k)
        err = abs(est - target) / target
        if best is None or err < best[2]:
            best = (b, k, err, est)
        if err < 0.02:
            break
        k_new = k * target / max(est, 1.0)
        k = max(0.3, 0.5 * k + 0.5 * k_new) if est > 0 else k * 2
    b, k, _err, _est = best
    if target >= DRY_RUN_BELOW:
        return _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, b)
    org = _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, b, network=False)
    # Small organisations: fixed rows (commitments near the anchor, minimum counts) dominate, so the
    # scale is refined with a dry simulation of the anchor period (cheap at this size).
    tried = []
    for _ in range(5):
        rows = _dry_rows(org)
        err = abs(rows - target) / target
        tried.append((err, k, org))
        if err < 0.03:
            break
        k = max(0.3, k * (target / rows) ** (1.0 if len(tried) < 3 else 0.6))
        b, _ = trial(k)
        org = _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, b, network=False)
    # the scale is calibrated without the networking resources (model/waste_resources.py), so they
    # add to the population of a seed without changing it
    k = min(tried, key=lambda x: x[0])[1]
    return _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, trial(k)[0])


DRY_RUN_BELOW = 300_000


def _dry_rows(org: Organisation) -> float:
    """CUR rows of the anchor period, scaled to a 730-hour month."""
    sim = PeriodSim(org, org.anchor_period, 0)
    for _ in sim.blocks():
        pass
    return sim.row_count * REF_HOURS / sim.ph


def _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions,
            b: PopulationBuilder, network: bool = True) -> Organisation:
    """The organisation of a drawn population: commitments on its pools, pseudo SKUs, tags, IAM
    principals and resource ids."""
    rng = rng_for(seed, 4)
    t = b.t
    hr = PopulationBuilder._concat(b.hr_parts)
    dr = PopulationBuilder._concat(b.dr_parts)
    commitments = place_commitments(seed, payer_id, anchor, t, hr, b.pool, regions)
    # pseudo SKUs for non-usage rows
    for code in list(t.products) + ["AWSSupportBusiness", "ComputeSavingsPlans"]:
        product_sku(t, code)
    support_sku(t)
    drawn = draw_network_resources(seed, k, t, regions, len(all_accounts) - 1, CORE_FROM_H) if network else None
    t.freeze()
    for c in commitments:  # SKUs added after the rates were computed are not eligible
        if c.sp_rate is not None and len(c.sp_rate) < t.n:
            c.sp_rate = np.concatenate([c.sp_rate, np.full(t.n - len(c.sp_rate), np.nan)])
    profiles, iam = assign_tags_and_principals(rng, hr, dr, all_accounts)
    assign_resource_ids(seed, hr, dr, all_accounts, regions, t)
    pods = pod_ids(seed, hr, all_accounts, regions)
    if drawn is not None:
        append_network_resources(seed, dr, drawn, profiles, all_accounts, regions)
    org = Organisation(
        seed=seed, line_items_per_month=target, anchor_period=anchor, granularity=granularity, scale=k,
        payer_account_id=payer_id, payer_account_name=PAYER_NAME, accounts=all_accounts[1:],
        all_accounts=all_accounts, regions=regions, skus=t, hr=hr, dr=dr, commitments=commitments, tag_profiles=profiles,
        iam_principals=iam, pods=pods,
    )
    return org

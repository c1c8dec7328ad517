"""Which usage commitments can cover, and how a commitment's hourly capacity is filled."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate import answer_key as ak
from infralyzer.exports.generate.model.organisation_model import OrganisationModel
from infralyzer.exports.generate.simulation.rows import EPS


def commit_scope(org: OrganisationModel) -> np.ndarray:
    """Commit service group (index in answer_key.COMMIT_GROUPS) of each SKU whose usage RIs / SPs can
    cover, -1 elsewhere; decided from the kind of charge the SKU prices (cached on the organisation).

    Eligible: EC2 instance-hours (On-Demand and Spot, any OS), RDS instance-hours, Fargate vCPU/GB-hours,
    Lambda duration (GB-seconds) and DynamoDB provisioned RCU/WCU-hours. Not: EBS, snapshots, data
    transfer, EKS cluster hours, Lambda requests, DynamoDB request units and storage, S3, other
    services, marketplace, fee and product pseudo SKUs."""
    g = org.cache.get("_commit_scope")
    if g is None:
        t = org.skus
        g = np.full(t.n, -1, np.int64)
        for i, s in enumerate(t.items):
            k = s.key
            if (k[0] in ("ec2", "rds", "fargate") or (k[0] == "lambda" and k[1] == "gbs")
                    or (k[0] == "ddb" and k[1] in ("rcu", "wcu"))):
                g[i] = ak.COMMIT_GROUPS.index(ak.COMMIT_GROUP_OF_PRODUCT[s.product_code])
        org.cache["_commit_scope"] = g
    return g


def grouped_cover(group: np.ndarray, prio: np.ndarray, tie: np.ndarray, need: np.ndarray,
                  cap: np.ndarray) -> np.ndarray:
    """Greedy fill of `cap[group]` by `need`, highest `prio` first within each group.

    Returns the covered fraction of each need (1, 0, or a fraction for the boundary item)."""
    if len(need) == 0:
        return np.zeros(0)
    order = np.lexsort((tie, -prio, group))
    g = group[order]
    nd = need[order]
    cs = np.cumsum(nd)
    start = np.r_[True, g[1:] != g[:-1]]
    gid = np.cumsum(start) - 1
    base = (cs - nd)[start]
    before = (cs - nd) - base[gid]
    c = cap[g]
    take = np.clip(c - before, 0.0, nd)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(nd > 0, take / nd, 0.0)
    frac = np.where(frac > 1 - EPS, 1.0, np.where(frac < EPS, 0.0, frac))
    out = np.empty_like(frac)
    out[order] = frac
    return out

"""Accounts of the organisation and who owns its resources: tag profiles and IAM principals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infralyzer.exports.generate.model.hashing import rng_for
from infralyzer.exports.generate.model.reference import (
    ACCOUNT_POOL,
    APPS,
    COST_CENTERS,
    ENV_VALUES,
    K_DT,
    PAYER_NAME,
    PAYER_TAX_RATE,
    TEAMS,
)


@dataclass
class Account:
    account_id: str
    name: str
    env: str = "prod"
    business_unit: str | None = None
    owner: str = ""
    team: str = ""
    weight: float = 1.0
    tax_rate: float = 0.0


def make_accounts(seed: int) -> tuple[str, list[Account]]:
    rng = rng_for(seed, 1)
    n_linked = int(rng.integers(6, 11))
    ids = set()
    accounts = []
    payer_id = f"{int(rng.integers(10**11, 10**12)):012d}"
    ids.add(payer_id)
    accounts.append(Account(payer_id, PAYER_NAME, "prod", None, "finops-team", "sre", 0.0, PAYER_TAX_RATE))
    for i in range(n_linked):
        name, env, bu, owner, team, w, tax = ACCOUNT_POOL[i]
        while True:
            aid = f"{int(rng.integers(10**10, 10**11)):012d}" if i == 1 else f"{int(rng.integers(10**11, 10**12)):012d}"
            if aid not in ids:
                break
        ids.add(aid)
        accounts.append(Account(aid, name, env, bu, owner, team, w, tax))
    return payer_id, accounts


def tag_profiles(rng, accounts: list[Account], acct: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Per resource a tag profile index; profile 0 = untagged."""
    n = len(acct)
    env_of = np.array([["prod", "staging", "dev"].index(accounts[a].env) for a in acct])
    untag_p = np.array([0.45 if accounts[a].name == "dev-sandbox" else (0.1 if accounts[a].env == "prod" and
                        accounts[a].name.startswith("prod") else 0.2) for a in acct])
    untagged = rng.random(n) < untag_p
    team_default = np.array([TEAMS.index(accounts[a].team) if accounts[a].team in TEAMS else 0 for a in acct])
    team = np.where(rng.random(n) < 0.7, team_default, rng.integers(0, len(TEAMS), n))
    team_key = (rng.random(n) < 0.15).astype(int)
    has_cc = rng.random(n) < 0.85
    cc = np.where(rng.random(n) < 0.9, team, rng.integers(0, len(COST_CENTERS), n))
    cc_key = (rng.random(n) < 0.2).astype(int)
    has_env = rng.random(n) < 0.9
    env_key = (rng.random(n) < 0.25).astype(int)
    env_val = np.empty(n, dtype=np.int64)
    for e, name in enumerate(["prod", "staging", "dev"]):
        m = env_of == e
        vals, p = ENV_VALUES[name]
        env_val[m] = e * 10 + rng.choice(len(vals), int(m.sum()), p=p)
    has_app = rng.random(n) < 0.7
    app = rng.integers(0, len(APPS), n)
    code = np.stack([
        np.where(untagged, -1, team), team_key, np.where(has_cc, cc, -1), cc_key, np.where(has_env, env_val, -1),
        env_key, np.where(has_app, app, -1),
    ], axis=1)
    code[untagged] = -1
    uniq, inv = np.unique(code, axis=0, return_inverse=True)
    profiles = []
    for row in uniq:
        t, tk, c, ck, ev, ek, ap = (int(x) for x in row)
        d: dict[str, str] = {}
        if t >= 0:
            d["user_Team" if tk else "user_team"] = TEAMS[t]
            if c >= 0:
                d["user_costcenter" if ck else "user_cost_center"] = COST_CENTERS[c]
            if ev >= 0:
                vals, _ = ENV_VALUES[["prod", "staging", "dev"][ev // 10]]
                d["user_env" if ek else "user_environment"] = vals[ev % 10]
            if ap >= 0:
                d["user_application"] = APPS[ap]
        profiles.append(d)
    # make the empty profile index 0
    order = sorted(range(len(profiles)), key=lambda i: (len(profiles[i]) > 0, i))
    remap = np.empty(len(order), np.int64)
    remap[np.array(order)] = np.arange(len(order))
    profiles = [profiles[i] for i in order]
    if not profiles or profiles[0]:
        profiles.insert(0, {})
        remap += 1
    return remap[inv.ravel()].astype(np.int32), profiles


def assign_tags_and_principals(rng, hr: dict, dr: dict, all_accounts: list[Account]) -> tuple[list[dict], list[str]]:
    """Tag profile (`tag`) and IAM principal (`iam`) of every hourly and daily resource; returns the
    profiles and the principals' ARNs."""
    all_acct = np.concatenate([hr["acct"], dr["acct"]])
    prof_idx, profiles = tag_profiles(rng, all_accounts, all_acct)
    nh = len(hr["kind"])
    hr["tag"] = prof_idx[:nh]
    dr["tag"] = prof_idx[nh:]
    # data transfer rows carry their instance's tags
    if "generic_index" in dr:
        gidx = dr["generic_index"]
        dt_rows = np.nonzero(dr["kind"] == K_DT)[0]
        generic_rows = np.nonzero(hr["role"] == "generic")[0]
        dr["tag"][dt_rows] = hr["tag"][generic_rows[gidx[dt_rows]]]
    iam = [f"arn:aws:iam::{a.account_id}:role/{team}-deployer" for a in all_accounts for team in TEAMS]

    def principals(acct, tag):
        n = len(acct)
        team_of = np.array([next((TEAMS.index(v) for kk, v in profiles[p].items() if kk.lower() == "user_team"),
                                  -1) for p in tag]) if n else np.zeros(0, int)
        has = (rng.random(n) < 0.7) & (team_of >= 0)
        return np.where(has, acct.astype(np.int64) * len(TEAMS) + np.maximum(team_of, 0), -1).astype(np.int32)
    hr["iam"] = principals(hr["acct"], hr["tag"])
    dr["iam"] = principals(dr["acct"], dr["tag"])
    return profiles, iam

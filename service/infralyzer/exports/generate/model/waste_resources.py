"""Networking resources whose waste only the CUR shows: public IPv4 addresses (Elastic IPs), NAT
gateways and Application Load Balancers, each either busy or idle, and a few of them tagged as
FinOps exceptions.

They are drawn after the rest of the organisation (`organisation._finish`, once its scale is
calibrated without them) with their own random generator and appended to the daily resources, so
every other resource, price, tag and id of a seed is what it was without them; only these rows
(and the tax, support and discounts on them) are added to the CUR (and FOCUS).

* public IPv4: `AmazonVPC` `<prefix>-PublicIPv4:IdleAddress` (an Elastic IP attached to nothing,
  always waste) or `...:InUseAddress` ($0.005 an hour either way); resource id `eipalloc-<hex>`;
* NAT gateway: `AmazonEC2` `<prefix>-NatGateway-Hours` ($0.045 an hour) and `...-NatGateway-Bytes`
  ($0.045 per GB processed): idle ones process ~0.0004 GB an hour (~0.3 GB a month), busy ones
  GBs an hour; resource id `arn:aws:ec2:<region>:<account>:natgateway/nat-<hex>`;
* load balancer: `AWSELB` `<prefix>-LoadBalancerUsage` ($0.0225 an hour) and `...-LCUUsage`
  ($0.008 per LCU-hour): idle ones ~0.0005 LCU an hour; resource id the ALB's ARN.

Half of each kind is idle (at least two idle and one busy of each kind per organisation); the
first idle resource of each kind is a FinOps exception (tag `user_finops-exception`): its tag profile is a copy of
another profile with that key added, appended to the organisation's tag profiles.
"""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.clock import INF_H
from infralyzer.exports.generate.model.hashing import hex_strings, rng_for, stable_int
from infralyzer.exports.generate.model.prices import Sku, SkuTable, _base_pmap, product_sku
from infralyzer.exports.generate.model.reference import DAILY_LINES

K_NET = 18
EXCEPTION_TAG = "user_finops-exception"

# kind: (product code, product name, family, [(line, usage-type suffix, operation, unit, $ per unit, sigma)])
NETWORK_KINDS = {
    "ipv4": ("AmazonVPC", "Amazon Virtual Private Cloud", "IP Address", [
        ("idle", "PublicIPv4:IdleAddress", "AssociateAddressVPC", "Hrs", 0.005, 0.0),
        ("inuse", "PublicIPv4:InUseAddress", "AssociateAddressVPC", "Hrs", 0.005, 0.0),
    ]),
    "nat": ("AmazonEC2", "Amazon Elastic Compute Cloud", "NAT Gateway", [
        ("hours", "NatGateway-Hours", "NatGateway", "Hrs", 0.045, 0.0),
        ("bytes", "NatGateway-Bytes", "NatGateway", "GB", 0.045, 0.3),
    ]),
    "alb": ("AWSELB", "Elastic Load Balancing", "Load Balancer-Application", [
        ("hours", "LoadBalancerUsage", "LoadBalancing:Application", "Hrs", 0.0225, 0.0),
        ("lcu", "LCUUsage", "LoadBalancing:Application", "LCU-Hrs", 0.008, 0.3),
    ]),
}
IDLE_RATE = {"nat": 0.0004, "alb": 0.0005}  # processed units an hour of an idle resource


def network_sku(t: SkuTable, kind: str, line: str, region: str) -> int:
    key = ("net", kind, line, region)
    if key in t.index:
        return t.index[key]
    product, name, family, lines = NETWORK_KINDS[kind]
    _, suffix, op, unit, price, sigma = next(x for x in lines if x[0] == line)
    rr = t.regions[t.region_index[region]]
    rate = round(price * rr[3], 6)
    return t.add(Sku(
        key=key, product_code=product, servicecode=product, product_name=name, family=family,
        usage_type=f"{rr[1]}-{suffix}", operation=op, region=region, unit=unit, rate=rate, od=rate,
        pmap={**_base_pmap(product, rr), "product_name": name, "servicename": name},
        desc=f"${rate:g} per {unit} for {suffix} in {rr[2]}", sigma=sigma, sku_meter=unit,
        focus_resource_type={"ipv4": "Elastic IP", "nat": "NAT Gateway", "alb": "Load Balancer"}[kind],
    ))


def draw_network_resources(seed: int, k: float, t: SkuTable, regions: list[tuple], n_linked: int,
                           core_from_h: int) -> dict:
    """The networking resources of a scale k (SKUs are added to `t`, which must not be frozen yet)."""
    rng = rng_for(seed, stable_int("network"), int(k * 1000))
    per_kind = max(4, int(round(0.03 * k)))
    parts: dict[str, list] = {n: [] for n in ("kind_name", "acct", "region", "idle", "skus", "base")}
    for kind, (_, _, _, lines) in NETWORK_KINDS.items():
        idle = rng.random(per_kind) < 0.5
        idle[:3] = (True, True, False)
        for i in range(per_kind):
            reg = int(rng.integers(0, len(regions)))
            region = regions[reg][0]
            skus = np.full(DAILY_LINES, -1, np.int32)
            base = np.zeros(DAILY_LINES)
            if kind == "ipv4":
                skus[0], base[0] = network_sku(t, kind, "idle" if idle[i] else "inuse", region), 1.0
            else:
                busy = float(np.exp(rng.normal(0.5, 0.8)))
                skus[0], base[0] = network_sku(t, kind, lines[0][0], region), 1.0
                skus[1], base[1] = network_sku(t, kind, lines[1][0], region), IDLE_RATE[kind] if idle[i] else busy
            parts["kind_name"].append(kind)
            parts["acct"].append(1 + int(rng.integers(0, n_linked)))
            parts["region"].append(reg)
            parts["idle"].append(bool(idle[i]))
            parts["skus"].append(skus)
            parts["base"].append(base)
    for product, _, _, _ in NETWORK_KINDS.values():  # the pseudo SKU of its non-usage rows (tax, EDP, ...)
        product_sku(t, product)
    n = len(parts["acct"])
    return {
        "kind_name": np.array(parts["kind_name"], dtype=object),
        "acct": np.array(parts["acct"], np.int16),
        "region": np.array(parts["region"], np.int16),
        "idle": np.array(parts["idle"], bool),
        "sku": np.stack(parts["skus"]).astype(np.int32),
        "base": np.stack(parts["base"]),
        "birth": rng.integers(core_from_h, core_from_h + 24 * 365, n).astype(np.int64),
        "death": np.full(n, INF_H, np.int64),
    }


def append_network_resources(seed: int, dr: dict, net: dict, profiles: list[dict], accounts, regions) -> None:
    """Append the drawn networking resources to the daily resources `dr` (tags, ids, principals)."""
    n = len(net["acct"])
    if n == 0:
        return
    rng = rng_for(seed, stable_int("network-tags"))
    tag = rng.integers(0, len(profiles), n).astype(np.int32)
    # one idle resource of each kind is a FinOps exception
    for kind in NETWORK_KINDS:
        first_idle = int(np.nonzero((net["kind_name"] == kind) & net["idle"])[0][0])
        profiles.append({**profiles[int(tag[first_idle])], EXCEPTION_TAG: "approved"})
        tag[first_idle] = len(profiles) - 1
    hx = hex_strings(np.arange(n), 17, salt=stable_int("network", seed))
    rid = np.empty(n, dtype=object)
    for i in range(n):
        a = accounts[net["acct"][i]].account_id
        r = regions[net["region"][i]][0]
        kind = net["kind_name"][i]
        if kind == "ipv4":
            rid[i] = f"eipalloc-{hx[i]}"
        elif kind == "nat":
            rid[i] = f"arn:aws:ec2:{r}:{a}:natgateway/nat-{hx[i]}"
        else:
            rid[i] = f"arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/app/lb-{hx[i][:6]}/{hx[i]}"
    add = {
        "kind": np.full(n, K_NET, np.int8), "acct": net["acct"], "region": net["region"],
        "az": np.full(n, -1, np.int32), "birth": net["birth"], "death": net["death"], "sku": net["sku"],
        "base": net["base"], "core": np.ones(n, bool), "tag": tag, "iam": np.full(n, -1, np.int32), "rid": rid,
    }
    for key, values in list(dr.items()):
        ref = np.asarray(values)
        if key in add:
            extra = np.asarray(add[key]).astype(ref.dtype)
        else:  # attributes of other kinds (volume size, memory, ...): as the population fills them
            extra = np.zeros((n,) + ref.shape[1:], dtype=ref.dtype)
            if ref.dtype.kind in "iu":
                extra[...] = -1
            elif ref.dtype.kind == "f":
                extra[...] = np.nan
            elif ref.dtype.kind == "O":
                extra[...] = None
        dr[key] = np.concatenate([ref, extra])

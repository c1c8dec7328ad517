"""Resource ids (instance ids, ARNs, bucket names) and the pods / tasks of container hosts."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.hashing import hex_strings, rng_for, stable_int
from infralyzer.exports.generate.model.prices import SkuTable
from infralyzer.exports.generate.model.reference import (
    APPS,
    K_DDB,
    K_DT,
    K_EBS,
    K_EC2,
    K_EKS,
    K_FARGATE,
    K_LAMBDA,
    K_RDS,
    K_S3,
    K_SNAP,
)


def assign_resource_ids(seed, hr, dr, accounts, regions, t: SkuTable) -> None:
    nh, nd = len(hr["kind"]), len(dr["kind"])
    hx = hex_strings(np.arange(nh), 17, salt=stable_int("hr", seed))
    ids = np.empty(nh, dtype=object)
    for i in range(nh):
        kind = int(hr["kind"][i])
        a = accounts[hr["acct"][i]].account_id
        r = regions[hr["region"][i]][0]
        h = hx[i]
        if kind == K_EC2:
            ids[i] = f"i-{h}"
        elif kind == K_FARGATE:
            if t.items[hr["sku"][i, 0]].product_code == "AmazonECS":
                ids[i] = f"arn:aws:ecs:{r}:{a}:service/{APPS[int(h[:4], 16) % len(APPS)]}-cluster/svc-{h[4:14]}"
            else:
                ids[i] = f"arn:aws:eks:{r}:{a}:pod/fargate-cluster/default/{APPS[int(h[:4], 16) % len(APPS)]}-{h[4:14]}"
        elif kind == K_RDS:
            ids[i] = f"arn:aws:rds:{r}:{a}:db:{APPS[int(h[:4], 16) % len(APPS)]}-db-{h[4:10]}"
        elif kind == K_EKS:
            ids[i] = f"arn:aws:eks:{r}:{a}:cluster/{['platform', 'data', 'web', 'ml'][int(h[:2], 16) % 4]}-eks-{h[2:6]}"
    hr["rid"] = ids
    dx = hex_strings(np.arange(nd), 17, salt=stable_int("dr", seed))
    dids = np.empty(nd, dtype=object)
    generic_rows = np.nonzero(hr["role"] == "generic")[0]
    for i in range(nd):
        kind = int(dr["kind"][i])
        a = accounts[dr["acct"][i]].account_id
        r = regions[dr["region"][i]][0]
        h = dx[i]
        if kind == K_EBS:
            dids[i] = f"vol-{h}"
        elif kind == K_SNAP:
            dids[i] = f"arn:aws:ec2:{r}:{a}:snapshot/snap-{h}"
        elif kind == K_S3:
            app = APPS[int(h[:4], 16) % len(APPS)]
            dids[i] = f"{app}-{['logs', 'data', 'assets', 'backup', 'archive', 'exports'][int(h[4:6], 16) % 6]}-{h[6:12]}"
        elif kind == K_LAMBDA:
            dids[i] = f"arn:aws:lambda:{r}:{a}:function:{APPS[int(h[:4], 16) % len(APPS)]}-{h[4:10]}"
        elif kind == K_DDB:
            dids[i] = f"arn:aws:dynamodb:{r}:{a}:table/{APPS[int(h[:4], 16) % len(APPS)]}-{h[4:10]}"
        elif kind == K_DT:
            dids[i] = hr["rid"][generic_rows[dr["generic_index"][i]]]
        else:
            dids[i] = None
    dr["rid"] = dids


def pod_ids(seed, hr, accounts, regions) -> dict:
    hosts = np.nonzero(hr["host"] > 0)[0]
    off = np.zeros(len(hr["kind"]) + 1, np.int64)
    npods = np.where(hr["host"] > 0, hr["npods"], 0).astype(np.int64)
    off[1:] = np.cumsum(npods)
    total = int(off[-1])
    hx = hex_strings(np.arange(total), 16, salt=stable_int("pod", seed))
    rng = rng_for(seed, 5)
    ratios = np.zeros(total)
    ids = np.empty(total, dtype=object)
    for i in hosts:
        m = int(npods[i])
        r = rng.dirichlet(np.ones(m)) * hr["util"][i]
        ratios[off[i]:off[i] + m] = r
        a = accounts[hr["acct"][i]].account_id
        reg = regions[hr["region"][i]][0]
        for j in range(m):
            h = hx[off[i] + j]
            app = APPS[int(h[:4], 16) % len(APPS)]
            if hr["host"][i] == 1:
                ids[off[i] + j] = f"arn:aws:eks:{reg}:{a}:pod/{app}-eks/{app}/{app}-{h[4:9]}-{h[9:14]}/{h}"
            else:
                ids[off[i] + j] = f"arn:aws:ecs:{reg}:{a}:task/{app}-ecs/{h}"
    return {"offset": off, "ratio": ratios, "ids": ids}

"""What a simulated period adds up to: spend by account / region / product, the resource catalogue
(the contract of the COH writer and the allocation key) and the answer-key fragment. A mixin of
`period.PeriodSim` (the accumulators are fed while blocks are walked)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from infralyzer.exports.generate import answer_key as ak
from infralyzer.exports.generate.model.clock import MS_PER_HOUR
from infralyzer.exports.generate.model.reference import (
    K_DDB,
    K_EBS,
    K_EC2,
    K_EKS,
    K_FARGATE,
    K_LAMBDA,
    K_RDS,
    K_S3,
    K_SNAP,
)
from infralyzer.exports.generate.simulation.rows import (
    DISC,
    RI_FEE,
    SP_COV,
    SP_NEG,
    SP_RECUR,
    SPLIT_LTS,
    USAGE,
    Rows,
    r10,
)


def catalogue_schema() -> dict:
    """Columns of the resource catalogue (`Organisation.resource_catalogue`)."""
    return {
        "resource_id": pl.String, "account_id": pl.String, "region": pl.String, "product_code": pl.String,
        "resource_type": pl.String, "instance_type": pl.String, "usage_type": pl.String, "processor": pl.String,
        "operating_system": pl.String, "purchase_option": pl.String, "public_on_demand_cost": pl.Float64,
        "unblended_cost": pl.Float64, "tags": pl.String,
    }


def tags_json(profile: dict) -> str | None:
    """A resource's tag profile as the catalogue's JSON string (null when untagged)."""
    return json.dumps(profile, sort_keys=True) if profile else None


class PeriodResults:
    """Sums fed by every block (spend, catalogue, EDP discounts, row counts) and what they add up to."""

    def _spend_add(self, acct, sku, cost, amount) -> None:
        aws = self.t.aws[sku]
        if not aws.any():
            return
        reg = self.t.region[sku] + 1
        prod = self.t.prod[sku]
        key = (acct[aws].astype(np.int64) * self.spend_unb.shape[1] + reg[aws]) * self.n_prod + prod[aws]
        size = self.spend_unb.size
        self.spend_unb += np.bincount(key, weights=r10(cost[aws]), minlength=size).reshape(self.spend_unb.shape)
        self.spend_amt += np.bincount(key, weights=r10(amount[aws]), minlength=size).reshape(self.spend_amt.shape)

    def _cat_opt(self, res, option, amount) -> None:
        opt = np.broadcast_to(np.asarray(option), np.shape(res))
        key = np.asarray(res, np.int64) * 4 + opt
        self.cat_opt += np.bincount(key, weights=amount, minlength=self.cat_opt.size).reshape(self.cat_opt.shape)

    def _accumulate(self, rows: Rows) -> None:
        n = rows.n
        if not n:
            return
        lt = rows["lt"]
        self.row_count += n
        split = np.isin(lt, SPLIT_LTS)
        self.split_rows += int(split.sum())
        unused = ((lt == SP_RECUR) & (rows.get_f("sp_total") - rows.get_f("sp_used") > 0)) | (
            (lt == RI_FEE) & ((rows.get_f("ri_unused_amort") + rows.get_f("ri_unused_recur")) > 0))
        self.focus_count += int(n - split.sum() - (lt == SP_NEG).sum() + unused.sum())
        # EDP discounts by account, product, day bucket
        d = rows["disc"]
        m = ~np.isnan(d)
        if m.any():
            prod = self.t.prod[rows["sku"][m]]
            if self.org.edp_daily:
                bucket = np.clip((rows["t0"][m] // MS_PER_HOUR - self.p0) // 24, 0, self.n_days - 1)
            else:
                bucket = np.zeros(int(m.sum()), np.int64)
            key = (rows["acct"][m].astype(np.int64) * self.n_prod + prod) * self.edp_acc.shape[2] + bucket
            self.edp_acc += np.bincount(key, weights=d[m], minlength=self.edp_acc.size).reshape(self.edp_acc.shape)
        # resource catalogue sums (usage rows of resources, negation and split rows excluded)
        res = rows["res"]
        m = (res >= 0) & np.isin(lt, (USAGE, DISC, SP_COV))
        if m.any():
            self.cat_pub += np.bincount(res[m], weights=rows["public"][m], minlength=self.n_res)
            self.cat_unb += np.bincount(res[m], weights=rows["cost"][m], minlength=self.n_res)
            self.cat_rows += np.bincount(res[m], minlength=self.n_res)

    def result(self) -> dict:
        assert self.done, "walk blocks() first"
        return {
            "catalogue": self._catalogue(),
            "spend": self._spend(),
            "key": self.key_fragment(),
        }

    def _catalogue(self) -> pl.DataFrame:
        org, t = self.org, self.t
        kinds_kept = (K_EC2, K_FARGATE, K_RDS, K_EKS, K_EBS, K_SNAP, K_S3, K_LAMBDA, K_DDB)
        rid = self.rid_vocab.to_pylist()
        sel = np.nonzero((self.cat_rows > 0) & np.isin(self.res_kind, kinds_kept))[0]
        opts = np.array(["OnDemand", "Spot", "Reserved", "SavingsPlan"])
        rtype_of = {K_EC2: "Ec2Instance", K_EBS: "EbsVolume", K_LAMBDA: "LambdaFunction", K_RDS: "RdsDbInstance"}
        rows = {k: [] for k in catalogue_schema()}
        for i in sel:
            kind = int(self.res_kind[i])
            s = t.items[self.res_sku[i]]
            if kind == K_FARGATE:
                rtype = "EcsService" if s.product_code == "AmazonECS" else None
            else:
                rtype = rtype_of.get(kind)
            if kind == K_EBS:
                itype = s.pmap.get("volume_api_name")
            elif kind in (K_EC2, K_RDS):
                itype = s.instance_type
            else:
                itype = None
            rows["resource_id"].append(rid[i])
            rows["account_id"].append(org.all_accounts[self.res_acct[i]].account_id)
            rows["region"].append(org.regions[self.res_region[i]][0] if self.res_region[i] >= 0 else None)
            rows["product_code"].append(s.product_code)
            rows["resource_type"].append(rtype)
            rows["instance_type"].append(itype)
            rows["usage_type"].append(s.usage_type)
            rows["processor"].append(s.processor if kind in (K_EC2, K_RDS, K_FARGATE, K_LAMBDA) else None)
            rows["operating_system"].append(s.os if kind in (K_EC2, K_FARGATE) else None)
            rows["purchase_option"].append(str(opts[int(np.argmax(self.cat_opt[i]))]))
            rows["public_on_demand_cost"].append(round(float(self.cat_pub[i]), 10))
            rows["unblended_cost"].append(round(float(self.cat_unb[i]), 10))
            rows["tags"].append(tags_json(org.tag_profiles[self.res_tag[i]]))
        return pl.DataFrame(rows, schema=catalogue_schema())

    def _spend(self) -> pl.DataFrame:
        org, t = self.org, self.t
        a, r, p = np.nonzero((self.spend_unb != 0) | (self.spend_amt != 0))
        return pl.DataFrame(
            {
                "account_id": [org.all_accounts[i].account_id for i in a],
                "region": [org.regions[i - 1][0] if i > 0 else None for i in r],
                "product_code": [t.products[i] for i in p],
                "unblended_cost": np.round(self.spend_unb[a, r, p], 10),
                "usage_amount": np.round(self.spend_amt[a, r, p], 10),
            },
            schema={"account_id": pl.String, "region": pl.String, "product_code": pl.String,
                    "unblended_cost": pl.Float64, "usage_amount": pl.Float64},
        )

    def key_fragment(self) -> dict:
        return ak.period_fragment(self)

"""Rate optimisation recommendations of COH (PurchaseSavingsPlans, PurchaseReservedInstances), sized
from the On-Demand spend of the catalogue. A mixin of `coh.RecommendationBuilder`."""

from __future__ import annotations

import random
from collections import defaultdict

from infralyzer.exports.generate.writers.coh_resources import HOURS_PER_MONTH, parse_type, rng_of, seed_of, size_units


class RateRecommendations:
    """Savings Plan and Reserved Instance purchase recommendations."""

    _SP_DISCOUNT = {
        "ComputeSavingsPlans": {"one year": (0.24, 0.27, 0.29), "three years": (0.45, 0.49, 0.52)},
        "Ec2InstanceSavingsPlans": {"one year": (0.32, 0.35, 0.37), "three years": (0.52, 0.57, 0.60)},
    }
    _RI_DISCOUNT = {
        "Ec2ReservedInstances": {"one year": (0.30, 0.34, 0.36), "three years": (0.50, 0.56, 0.59)},
        "RdsReservedInstances": {"one year": (0.31, 0.35, 0.37), "three years": (0.50, 0.53, 0.56)},
    }
    _PAYMENTS = ("NoUpfront", "PartialUpfront", "AllUpfront")

    def _discount(self, table: dict, rtype: str) -> float:
        return table[rtype][self.term][self._PAYMENTS.index(self.payment)]

    def _term_code(self) -> str:
        return "ThreeYears" if self.term == "three years" else "OneYear"

    def savings_plans(self, resources: list[dict]) -> None:
        eligible = [
            r for r in resources
            if r["purchase_option"] == "OnDemand"
            and r["resource_type"] in ("Ec2Instance", "LambdaFunction", "EcsService")
        ]
        if not eligible:
            return
        per_account: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        per_family: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in eligible:
            before, after = self.monthly(r)
            per_account[r["account_id"]][0] += before
            per_account[r["account_id"]][1] += after
            t = parse_type(r["instance_type"]) if r["resource_type"] == "Ec2Instance" else None
            if t is not None:
                per_family[(r["region"], t["family"])][0] += before
                per_family[(r["region"], t["family"])][1] += after
        total_before = sum(v[0] for v in per_account.values())
        total_after = sum(v[1] for v in per_account.values())
        if total_before < 20.0:
            return
        r = rng_of(self.seed, self.period, "coh-sp")
        self._sp("ComputeSavingsPlans", self.payer, "Payer", total_before, total_after, r.uniform(0.55, 0.8))
        for acct in sorted(per_account):
            before, after = per_account[acct]
            if before >= 100.0:
                self._sp("ComputeSavingsPlans", acct, "Linked", before, after, r.uniform(0.55, 0.8))
        if per_family:
            (region, family), (before, after) = max(per_family.items(), key=lambda kv: (kv[1][0], kv[0]))
            if before >= 20.0:
                self._sp("Ec2InstanceSavingsPlans", self.payer, "Payer", before, after, r.uniform(0.5, 0.75),
                         region=region, family=family)

    def _sp(self, rtype: str, account: str, level: str, od_before: float, od_after: float,
            coverage: float, region: str = "Global", family: str | None = None) -> None:
        disc = self._discount(self._SP_DISCOUNT, rtype)
        hourly = od_after * coverage * (1 - disc) / HOURS_PER_MONTH
        scope = f"for {family} in {region} " if family else ""
        summary = f"${hourly:.3f}/hour {scope}with {self.term} term, {self.payment}, {level} account"
        config = {
            "accountScope": level,
            "term": self._term_code(),
            "paymentOption": self.payment,
            "hourlyCommitment": f"{hourly:.3f}",
        }
        if family:
            config.update({"instanceFamily": family, "savingsPlansRegion": region})
        root = "computeSavingsPlans" if rtype == "ComputeSavingsPlans" else "ec2InstanceSavingsPlans"
        pricing = {
            "monthlySavingsPlansEligibleCost": round(od_after, 4),
            "estimatedMonthlyCommitment": round(hourly * HOURS_PER_MONTH, 4),
            "estimatedOnDemandCost": round(od_before, 4),
            "savingsPercentage": round(100 * coverage * disc, 2),
        }
        details = {root: {"configuration": config, "costCalculation": {"pricing": pricing}}}
        self._add_purchase(key="Compute", action="PurchaseSavingsPlans", rtype=rtype, account=account, region=region,
                           current_summary=f"${od_after / HOURS_PER_MONTH:.3f}/hour On-Demand",
                           recommended_summary=summary, details=details, od_before=od_before, od_after=od_after,
                           coverage=coverage, disc=disc, id_parts=(rtype, level, region, family))

    def reserved_instances(self, resources: list[dict]) -> None:
        groups: dict[tuple, list] = {}
        for r in resources:
            if r["purchase_option"] != "OnDemand":
                continue
            if r["resource_type"] == "Ec2Instance" and parse_type(r["instance_type"]):
                os_ = r["operating_system"] or "Linux"
                product = "Linux/UNIX" if os_ in ("Linux", "Linux/UNIX") else os_
                rtype = "Ec2ReservedInstances"
            elif r["resource_type"] == "RdsDbInstance" and parse_type(r["instance_type"]):
                engine = r["operating_system"] or ("MySQL", "PostgreSQL")[seed_of(self.seed, r["resource_id"]) % 2]
                product = f"{engine} Single-AZ"
                rtype = "RdsReservedInstances"
            else:
                continue
            key = (rtype, r["region"], product, r["instance_type"])
            g = groups.setdefault(key, {"accounts": defaultdict(lambda: [0, 0.0, 0.0])})
            before, after = self.monthly(r)
            acc = g["accounts"][r["account_id"]]
            acc[0] += 1
            acc[1] += before
            acc[2] += after
        ranked = sorted(
            groups.items(),
            key=lambda kv: (-sum(a[1] for a in kv[1]["accounts"].values()), kv[0]),
        )
        for (rtype, region, product, itype), g in ranked[:12]:
            accounts = g["accounts"]
            total = [sum(a[i] for a in accounts.values()) for i in range(3)]
            if total[1] < 30.0:
                continue
            r = rng_of(self.seed, self.period, "coh-ri", rtype, region, product, itype)
            for acct in sorted(accounts):
                n, before, after = accounts[acct]
                if before >= 30.0:
                    self._ri(rtype, acct, "Linked", region, product, itype, n, before, after, r)
            if len(accounts) > 1:
                self._ri(rtype, self.payer, "Payer", region, product, itype, *total, r)

    def _ri(self, rtype: str, account: str, level: str, region: str, product: str, itype: str,
            n: int, od_before: float, od_after: float, r: random.Random) -> None:
        qty = max(1, round(n * r.uniform(0.5, 1.0)))
        coverage = qty / n
        disc = self._discount(self._RI_DISCOUNT, rtype)
        months = 36 if self.term == "three years" else 12
        ri_monthly = od_after * coverage * (1 - disc)
        upfront_share = {"NoUpfront": 0.0, "PartialUpfront": 0.5, "AllUpfront": 1.0}[self.payment]
        t = parse_type(itype)
        config = {
            "accountScope": level,
            "service": "EC2" if rtype == "Ec2ReservedInstances" else "RDS",
            "term": self._term_code(),
            "paymentOption": self.payment,
            "numberOfInstancesToPurchase": str(qty),
            "instanceType": itype,
            "instanceFamily": t["family"] if t else "",
            "reservedInstancesRegion": region,
            "normalizedUnitsToPurchase": f"{qty * (size_units(t['size']) if t else 1.0) * 2:g}",
            "currentGeneration": "true",
            "sizeFlexEligible": True,
            "upfrontCost": f"{ri_monthly * months * upfront_share:.2f}",
            "monthlyRecurringCost": f"{ri_monthly * (1 - upfront_share):.2f}",
        }
        if rtype == "Ec2ReservedInstances":
            config.update({"platform": product, "tenancy": "Shared", "offeringClass": "Standard"})
            root = "ec2ReservedInstances"
        else:
            engine, deployment = product.rsplit(" ", 1)
            config.update({"databaseEngine": engine, "deploymentOption": deployment,
                           "licenseModel": "No License required"})
            root = "rdsReservedInstances"
        pricing = {
            "estimatedOnDemandCost": round(od_before, 4),
            "monthlyReservationEligibleCost": round(od_after, 4),
            "savingsPercentage": round(100 * coverage * disc, 2),
        }
        details = {root: {"configuration": config, "costCalculation": {"pricing": pricing}}}
        svc = config["service"]
        self._add_purchase(
            key=f"{svc}:{region}:{product}:{itype}", action="PurchaseReservedInstances", rtype=rtype, account=account,
            region=region, current_summary=f"{n} On-Demand {itype} {product}",
            recommended_summary=(
                f"{qty} {itype} {product} in AWS account {account} ({level}), {self.term} term, {self.payment}"
            ),
            details=details, od_before=od_before, od_after=od_after, coverage=coverage, disc=disc,
            id_parts=(rtype, level, region, product, itype),
        )

    def _add_purchase(self, *, key: str, action: str, rtype: str, account: str, region: str, current_summary: str,
                      recommended_summary: str, details: dict, od_before: float, od_after: float,
                      coverage: float, disc: float, id_parts: tuple) -> None:
        """A commitment purchase (Cost Explorer): no resource ARN, savings = eligible On-Demand cost x
        covered share x commitment discount."""
        self.add(
            key=key,
            account_id=account,
            region=region,
            resource_arn="",
            action_type=action,
            current_type=rtype,
            recommended_type=rtype,
            current_summary=current_summary,
            recommended_summary=recommended_summary,
            current_details=details,
            recommended_details=details,
            cost_before=od_before,
            cost_after=od_after,
            savings_before=od_before * coverage * disc,
            savings_after=od_after * coverage * disc,
            effort="VeryLow",
            restart=False,
            rollback=False,
            source="CostExplorer",
            lookback=30,
            tags={},
            id_parts=id_parts,
        )

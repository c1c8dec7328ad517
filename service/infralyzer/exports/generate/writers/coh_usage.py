"""Usage optimisation recommendations of COH (Rightsize, Stop, MigrateToGraviton, Upgrade, Delete)
per resource type. A mixin of `coh.RecommendationBuilder` (it calls its `add` and `monthly`)."""

from __future__ import annotations

from infralyzer.exports.generate.writers.coh_resources import (
    graviton_family,
    parse_type,
    resource_arn_of,
    rng_of,
    size_units,
    smaller_size,
    upgrade_family,
)


class UsageRecommendations:
    """Usage recommendations of one resource."""

    def resource(self, res: dict, tags: dict[str, str]) -> None:
        rtype = res["resource_type"]
        handler = {
            "Ec2Instance": self._ec2,
            "EbsVolume": self._ebs,
            "LambdaFunction": self._lambda,
            "RdsDbInstance": self._rds,
            "EcsService": self._ecs,
            "Ec2AutoScalingGroup": self._asg,
        }.get(rtype)
        if handler is None:
            return
        before, after = self.monthly(res)
        if before <= 0:
            return
        # which recommendations a resource gets is persistent (seed, resource); amounts vary by period
        pick = rng_of(self.seed, "coh-pick", res["account_id"], res["resource_id"])
        amount = rng_of(self.seed, self.period, "coh-amount", res["account_id"], res["resource_id"])
        handler(res, tags, before, after, pick, amount)

    def _usage(
        self,
        res: dict,
        tags: dict,
        before: float,
        after: float,
        *,
        action: str,
        fraction: float,
        cur_summary: str,
        rec_summary: str,
        cur_details: dict,
        rec_details: dict,
        effort: str,
        restart: bool,
        rollback: bool,
        lookback: int,
        rec_type: str | None = None,
    ) -> None:
        fraction = max(0.0, min(fraction, 1.0))
        arn = resource_arn_of(res)
        root = next(iter(cur_details))
        cur = {root: {**cur_details[root], "costCalculation": self._cost_calc(res, before, after)}}
        rec_before, rec_after = before * (1 - fraction), after * (1 - fraction)
        rec = {root: {**rec_details[root], "costCalculation": self._cost_calc(res, rec_before, rec_after)}}
        self.add(
            key=arn,
            account_id=res["account_id"],
            region=res["region"],
            resource_arn=arn,
            action_type=action,
            current_type=res["resource_type"],
            recommended_type=rec_type or res["resource_type"],
            current_summary=cur_summary,
            recommended_summary=rec_summary,
            current_details=cur,
            recommended_details=rec,
            cost_before=before,
            cost_after=after,
            savings_before=before * fraction,
            savings_after=after * fraction,
            effort=effort,
            restart=restart,
            rollback=rollback,
            source="ComputeOptimizer",
            lookback=lookback,
            tags=tags,
            id_parts=(arn, action, rec_summary),
        )

    def _ec2(self, res, tags, before, after, pick, amount) -> None:
        if res["purchase_option"] == "Spot":
            return
        t = parse_type(res["instance_type"])
        if t is None or pick.random() >= 0.65:
            return
        lookback = pick.choice((14, 14, 32, 93))
        itype = res["instance_type"]
        details = lambda it: {"ec2Instance": {"configuration": {"instance": {"type": it}}}}  # noqa: E731
        chosen = []
        smaller = smaller_size(t)
        grav = graviton_family(t, pick) if res["processor"] != "Graviton" else None
        upgrade = upgrade_family(t)
        if smaller and pick.random() < 0.7:
            chosen.append("Rightsize")
        if grav and pick.random() < 0.55:
            chosen.append("MigrateToGraviton")
        if upgrade and pick.random() < 0.5:
            chosen.append("Upgrade")
        if pick.random() < 0.12:
            chosen.append("Stop")
        if not chosen:
            chosen.append("Rightsize" if smaller else "MigrateToGraviton" if grav else "Stop")
        cur_units = size_units(t["size"])
        for action in chosen:
            if action == "Rightsize":
                target = f"{t['family']}.{smaller}"
                fraction = (1 - size_units(smaller) / cur_units) * amount.uniform(0.92, 1.0)
                self._usage(res, tags, before, after, action=action, fraction=fraction,
                            cur_summary=itype, rec_summary=target, cur_details=details(itype),
                            rec_details=details(target), effort="Medium", restart=True,
                            rollback=True, lookback=lookback)
            elif action == "MigrateToGraviton":
                size = t["size"]
                if pick.random() < 0.4:
                    size = smaller_size({**t, "attrs": "g"}, graviton_family=True) or size
                target = f"{grav}.{size}"
                ratio = (size_units(size) / cur_units) * (0.80 if res["processor"] != "AMD" else 0.88)
                fraction = (1 - ratio) * amount.uniform(0.95, 1.0)
                self._usage(res, tags, before, after, action=action, fraction=fraction,
                            cur_summary=itype, rec_summary=target, cur_details=details(itype),
                            rec_details=details(target), effort=pick.choice(("High", "VeryHigh")),
                            restart=True, rollback=True, lookback=lookback)
            elif action == "Upgrade":
                family, ratio = upgrade
                target = f"{family}.{t['size']}"
                fraction = (1 - ratio) * amount.uniform(0.9, 1.1)
                self._usage(res, tags, before, after, action=action, fraction=fraction,
                            cur_summary=itype, rec_summary=target, cur_details=details(itype),
                            rec_details=details(target), effort="Medium", restart=True,
                            rollback=True, lookback=lookback)
            else:  # Stop: idle instance
                self._usage(res, tags, before, after, action="Stop", fraction=1.0,
                            cur_summary=itype, rec_summary="Stopped", cur_details=details(itype),
                            rec_details=details(itype), effort=pick.choice(("VeryLow", "Low")),
                            restart=True, rollback=True, lookback=lookback)

    _EBS_PRICE = {"gp2": 0.10, "gp3": 0.08, "io1": 0.125, "io2": 0.125, "st1": 0.045, "sc1": 0.015,
                  "standard": 0.05}

    def _ebs(self, res, tags, before, after, pick, amount) -> None:
        vtype = (res["instance_type"] or "gp2").lower()
        size = max(1, round(before / self._EBS_PRICE.get(vtype, 0.1)))
        unattached = pick.random() < 0.15
        upgrade = vtype == "gp2" and pick.random() < 0.75
        if not (unattached or upgrade):
            return
        state = "Unattached" if unattached else "Attached"

        def details(vt: str) -> dict:
            iops = max(100, min(16000, 3 * size)) if vt == "gp2" else 3000
            return {"ebsVolume": {"configuration": {
                "storage": {"type": vt, "sizeInGb": float(size)},
                "performance": {"iops": float(iops), "throughput": 125.0 if vt == "gp3" else 250.0},
                "attachmentState": state}}}

        summary = f"{vtype} {size} GiB"
        if unattached:
            self._usage(res, tags, before, after, action="Delete", fraction=1.0, cur_summary=summary,
                        rec_summary="Delete", cur_details=details(vtype), rec_details=details(vtype),
                        effort="VeryLow", restart=False, rollback=False, lookback=32)
        if upgrade:
            self._usage(res, tags, before, after, action="Upgrade", fraction=0.2 * amount.uniform(0.95, 1.0),
                        cur_summary=summary, rec_summary=f"gp3 {size} GiB", cur_details=details("gp2"),
                        rec_details=details("gp3"), effort="VeryLow", restart=False, rollback=True,
                        lookback=14)

    def _lambda(self, res, tags, before, after, pick, amount) -> None:
        if pick.random() >= 0.4:
            return
        memory = pick.choice((512, 1024, 1536, 2048, 3008))
        target = max(128, int(memory * pick.choice((0.5, 0.625, 0.75)) // 64 * 64))
        arch = "arm64" if res["processor"] == "Graviton" else "x86_64"

        def details(mb: int) -> dict:
            return {"lambdaFunction": {"configuration": {"compute": {
                "memorySizeInMB": mb, "vCpu": round(mb / 1769, 3), "architecture": arch}}}}

        fraction = (1 - target / memory) * amount.uniform(0.6, 0.95)
        self._usage(res, tags, before, after, action="Rightsize", fraction=fraction,
                    cur_summary=f"{memory} MB", rec_summary=f"{target} MB", cur_details=details(memory),
                    rec_details=details(target), effort="Low", restart=False, rollback=True,
                    lookback=14)

    def _rds(self, res, tags, before, after, pick, amount) -> None:
        t = parse_type(res["instance_type"])
        if t is None or pick.random() >= 0.55:
            return
        itype = res["instance_type"]
        details = lambda it: {"rdsDbInstance": {"configuration": {"instance": {"dbInstanceClass": it}}}}  # noqa: E731
        smaller = smaller_size(t)
        grav = graviton_family(t, pick)
        chosen = []
        if smaller and pick.random() < 0.6:
            chosen.append("Rightsize")
        if grav and pick.random() < 0.5:
            chosen.append("MigrateToGraviton")
        if not chosen and (smaller or grav):
            chosen.append("Rightsize" if smaller else "MigrateToGraviton")
        cur_units = size_units(t["size"])
        for action in chosen:
            if action == "Rightsize":
                target = f"db.{t['family']}.{smaller}"
                fraction = (1 - size_units(smaller) / cur_units) * amount.uniform(0.92, 1.0)
                effort = "Medium"
            else:
                target = f"db.{grav}.{t['size']}"
                fraction = 0.1 * amount.uniform(0.8, 1.2)
                effort = "Medium"
            self._usage(res, tags, before, after, action=action, fraction=fraction, cur_summary=itype,
                        rec_summary=target, cur_details=details(itype), rec_details=details(target),
                        effort=effort, restart=True, rollback=True, lookback=pick.choice((14, 32)))

    def _ecs(self, res, tags, before, after, pick, amount) -> None:
        if pick.random() >= 0.4:
            return
        vcpu = pick.choice((0.5, 1.0, 2.0, 4.0))
        mem = int(vcpu * pick.choice((2048, 4096)))
        details = lambda c, m: {"ecsService": {"configuration": {"compute": {"vCpu": c, "memorySizeInMB": m}}}}  # noqa: E731
        fraction = 0.5 * amount.uniform(0.5, 0.95)
        self._usage(res, tags, before, after, action="Rightsize", fraction=fraction,
                    cur_summary=f"{vcpu:g} vCPU, {mem / 1024:g} GB",
                    rec_summary=f"{vcpu / 2:g} vCPU, {mem / 2048:g} GB",
                    cur_details=details(vcpu, mem), rec_details=details(vcpu / 2, mem // 2),
                    effort="Low", restart=False, rollback=True, lookback=14)

    def _asg(self, res, tags, before, after, pick, amount) -> None:
        t = parse_type(res["instance_type"])
        if t is None or pick.random() >= 0.5:
            return
        smaller = smaller_size(t)
        if not smaller:
            return
        itype = res["instance_type"]
        target = f"{t['family']}.{smaller}"
        details = lambda it: {"ec2AutoScalingGroup": {"configuration": {"instance": {"type": it}}}}  # noqa: E731
        fraction = (1 - size_units(smaller) / size_units(t["size"])) * amount.uniform(0.85, 1.0)
        self._usage(res, tags, before, after, action="Rightsize", fraction=fraction, cur_summary=itype,
                    rec_summary=target, cur_details=details(itype), rec_details=details(target),
                    effort="Medium", restart=True, rollback=True, lookback=14)

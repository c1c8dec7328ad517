"""The organisation as data: accounts, regions, price list, resources, commitments, tags."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from infralyzer.exports.generate.model.accounts import Account
from infralyzer.exports.generate.model.commitments import Commitment
from infralyzer.exports.generate.model.hashing import stable_int
from infralyzer.exports.generate.model.prices import SkuTable


@dataclass
class OrganisationModel:
    """Everything the simulation of a billing period needs; built by `organisation.build_organisation`."""

    seed: int
    line_items_per_month: int
    anchor_period: str
    granularity: str
    scale: float
    payer_account_id: str
    payer_account_name: str
    accounts: list[Account]
    all_accounts: list[Account]
    regions: list[tuple]
    skus: SkuTable
    hr: dict  # hourly resources: name -> numpy array (or list)
    dr: dict  # daily resources
    commitments: list[Commitment]
    tag_profiles: list[dict]
    iam_principals: list[str]
    pods: dict  # host resource -> pod ids
    cache: dict = field(default_factory=dict)
    anomaly_plan: object = None  # injected_anomalies.AnomalyPlan when labelled anomalies are injected
    implementation_plan: object = None  # implemented_recommendations.ImplementationPlan when recommendations are carried out

    @property
    def slot_hours(self) -> int:
        return 1 if self.granularity == "HOURLY" else 24

    @property
    def edp_daily(self) -> bool:
        return self.granularity == "HOURLY" and self.line_items_per_month >= 100_000

    def invoice_id(self, period: str) -> str:
        return str(1_000_000_000 + stable_int("invoice", self.seed, self.payer_account_id, period) % 8_999_999_999)

    def account_index(self, account_id: str) -> int:
        return next(i for i, a in enumerate(self.all_accounts) if a.account_id == account_id)

    def accounts_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {"account_id": [a.account_id for a in self.all_accounts], "name": [a.name for a in self.all_accounts]}
        )

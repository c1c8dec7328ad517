"""COH and carbon sample exports: schema, manifest, overlap/dedup answer key, restatement,
determinism. A small fake organisation follows the generator contract (resource_catalogue,
spend_by_service), so these tests do not depend on the organisation model."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

SERVICE_DIR = Path(__file__).resolve().parents[2]
if str(SERVICE_DIR) not in sys.path:
    sys.path.insert(0, str(SERVICE_DIR))

from infralyzer.exports.layout import read_manifest  # noqa: E402
from infralyzer.exports.schemas import CARBON_SCHEMA, COH_SCHEMA  # noqa: E402

GENERATE_DIR = SERVICE_DIR / "infralyzer" / "exports" / "generate" / "writers"


def _load(name: str):
    # by file path, so the package __init__ (written separately) is not needed here
    spec = importlib.util.spec_from_file_location(f"_test_generate_{name}", GENERATE_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


coh = _load("coh")
carbon = _load("carbon")

PERIOD = "2025-03"
PAYER = "000111222333"


@dataclass
class FakeAccount:
    account_id: str
    name: str


@dataclass
class FakeOrg:
    payer_account_id: str
    accounts: list[FakeAccount]
    catalogue: pl.DataFrame
    spend: pl.DataFrame
    calls: list[str] = field(default_factory=list)
    implementation_plan: object = None  # no recommendation carried out (generate/implemented_recommendations.py)

    def resource_catalogue(self, period: str) -> pl.DataFrame:
        self.calls.append(period)
        return self.catalogue

    def spend_by_service(self, period: str) -> pl.DataFrame:
        self.calls.append(period)
        return self.spend


ACCOUNTS = [
    FakeAccount(PAYER, "management"),
    FakeAccount("012345678901", "prod"),
    FakeAccount("098765432109", "dev"),
]
EC2_TYPES = [
    ("m5.2xlarge", "Intel", 0.384),
    ("c5.xlarge", "Intel", 0.17),
    ("r5.4xlarge", "Intel", 1.008),
    ("t3.large", "Intel", 0.0832),
    ("m4.xlarge", "Intel", 0.20),
    ("m5a.2xlarge", "AMD", 0.344),
    ("m6g.large", "Graviton", 0.077),
    ("c6i.2xlarge", "Intel", 0.34),
]
OPTIONS = ["OnDemand"] * 6 + ["Spot", "Reserved", "SavingsPlan"]


def _row(rid, acct, region, product, rtype, itype, usage_type, proc, os_, option, public, unblended, tags):
    return {
        "resource_id": rid,
        "account_id": acct,
        "region": region,
        "product_code": product,
        "resource_type": rtype,
        "instance_type": itype,
        "usage_type": usage_type,
        "processor": proc,
        "operating_system": os_,
        "purchase_option": option,
        "public_on_demand_cost": public,
        "unblended_cost": unblended,
        "tags": tags,
    }


def make_catalogue(n_ec2: int = 60, seed: int = 7) -> pl.DataFrame:
    r = random.Random(seed)
    rows = []
    accounts = [a.account_id for a in ACCOUNTS]
    regions = ["us-east-1", "eu-west-1"]
    for i in range(n_ec2):
        itype, proc, rate = EC2_TYPES[i % len(EC2_TYPES)]
        option = OPTIONS[r.randrange(len(OPTIONS))]
        public = rate * r.choice((720, 744, 400))
        unblended = {"OnDemand": public * 0.95, "Spot": public * 0.3, "Reserved": 0.0, "SavingsPlan": public}[option]
        tags = json.dumps({"user_application": r.choice(["shop", "search", "batch"]), "user_env": "prod"}) if i % 3 else None
        rows.append(_row(f"i-{i:017x}", accounts[i % 3], regions[i % 2], "AmazonEC2", "Ec2Instance", itype,
                         f"BoxUsage:{itype}", proc, "Linux", option, public, unblended, tags))
    for i in range(30):
        vtype = ("gp2", "gp2", "gp3", "io1")[i % 4]
        public = r.uniform(5, 200)
        rows.append(_row(f"vol-{i:017x}", accounts[i % 3], regions[i % 2], "AmazonEC2", "EbsVolume", vtype,
                         f"EBS:VolumeUsage.{vtype}", None, None, "OnDemand", public, public * 0.95,
                         json.dumps({"user_application": "shop"})))
    for i in range(15):
        acct, region = accounts[i % 3], regions[i % 2]
        public = r.uniform(1, 300)
        rows.append(_row(f"arn:aws:lambda:{region}:{acct}:function:fn-{i}", acct, region, "AWSLambda",
                         "LambdaFunction", None, "Lambda-GB-Second", "Graviton" if i % 2 else "Intel", None,
                         "OnDemand", public, public * 0.95, None))
    for i, itype in enumerate(["db.r5.2xlarge", "db.m5.xlarge", "db.r6g.large", "db.t3.medium", "db.r5.xlarge", "db.m5.large"]):
        acct, region = accounts[i % 3], regions[i % 2]
        public = r.uniform(100, 900)
        rows.append(_row(f"arn:aws:rds:{region}:{acct}:db:db-{i}", acct, region, "AmazonRDS", "RdsDbInstance",
                         itype, f"InstanceUsage:{itype}", None, None, "OnDemand", public, public * 0.95,
                         json.dumps({"user_application": "shop"})))
    for i in range(6):
        acct = accounts[i % 3]
        public = r.uniform(50, 400)
        rows.append(_row(f"cluster-{i}/svc-{i}", acct, "us-east-1", "AmazonECS", "EcsService", None,
                         "Fargate-vCPU-Hours:perCPU", None, None, "OnDemand", public, public * 0.95, None))
    rows.append(_row("asg-web", accounts[1], "us-east-1", "AmazonEC2", "Ec2AutoScalingGroup", "m5.xlarge",
                     "BoxUsage:m5.xlarge", "Intel", "Linux", "OnDemand", 300.0, 285.0, None))
    # a catalogue row without resource type (e.g. S3 bucket) gets no recommendation
    rows.append(_row("my-bucket", accounts[1], "us-east-1", "AmazonS3", None, None, "TimedStorage-ByteHrs",
                     None, None, "OnDemand", 40.0, 40.0, None))
    return pl.DataFrame(rows, infer_schema_length=None)


def make_spend() -> pl.DataFrame:
    rows = [
        ("012345678901", "us-east-1", "AmazonEC2", 10_000.0, 50_000.0),
        ("012345678901", "us-east-1", "AmazonS3", 800.0, 30_000.0),
        ("012345678901", "eu-west-1", "AmazonRDS", 2_500.0, 1_400.0),
        ("012345678901", "ap-south-1", "AmazonEC2", 1_200.0, 9_000.0),
        ("098765432109", "us-east-1", "AmazonEC2", 3_000.0, 20_000.0),
        ("098765432109", "us-east-1", "AWSLambda", 150.0, 1e7),
        ("098765432109", "us-west-2", "AmazonCloudFront", 90.0, 100.0),
        ("098765432109", "eu-west-1", "AmazonCloudFront", 40.0, 50.0),
        ("098765432109", None, "AmazonRoute53", 12.0, 30.0),
        (PAYER, "us-east-1", "AWSSupportBusiness", 1_000.0, 1.0),
        (PAYER, "us-east-1", "AmazonEC2", -50.0, 0.0),  # a credit: no footprint
        (PAYER, "eu-north-1", "AmazonEC2", 500.0, 4000.0),
    ]
    return pl.DataFrame(
        rows, schema=["account_id", "region", "product_code", "unblended_cost", "usage_amount"], orient="row"
    )


@pytest.fixture(scope="module")
def org() -> FakeOrg:
    return FakeOrg(PAYER, ACCOUNTS, make_catalogue(), make_spend())


def _delivered(exports_dir: Path, export: str, period: str = PERIOD) -> tuple[dict, pl.DataFrame]:
    manifest = read_manifest(exports_dir, export, period)
    assert manifest is not None, "the manifest marks a complete delivery"
    data_dir = exports_dir / export / "data" / f"BILLING_PERIOD={period}"
    listed = [p.rsplit("/", 1)[1] for p in manifest["dataFiles"]]
    assert listed and sorted(listed) == sorted(p.name for p in data_dir.glob("*.parquet"))
    frames = [pl.read_parquet(data_dir / name) for name in listed]
    df = pl.concat(frames) if frames else pl.DataFrame()
    assert manifest["rowCount"] == df.height
    return manifest, df


def _tag_dicts(series: pl.Series) -> list[dict]:
    """Map values as dicts (polars 2 reads a map as dicts, older versions as key/value lists)."""
    return [m if isinstance(m, dict) else {kv["key"]: kv["value"] for kv in m} for m in series.to_list()]


def _schema_of(exports_dir: Path, export: str, manifest: dict):
    name = manifest["dataFiles"][0].rsplit("/", 1)[1]
    return pq.read_schema(exports_dir / export / "data" / f"BILLING_PERIOD={PERIOD}" / name)


# ------------------------------------------------------------------------------------------- COH


@pytest.fixture(scope="module")
def coh_delivery(tmp_path_factory, org):
    out = tmp_path_factory.mktemp("coh")
    key = coh.write_period(out, org, PERIOD, org.catalogue, seed=42)
    manifest, df = _delivered(out, "coh")
    return out, key, manifest, df


def test_coh_schema_and_manifest(coh_delivery):
    out, key, manifest, df = coh_delivery
    assert _schema_of(out, "coh", manifest).equals(COH_SCHEMA, check_metadata=False)
    assert manifest["table"] == "COST_OPTIMIZATION_RECOMMENDATIONS"
    assert [c["name"] for c in manifest["columns"]] == COH_SCHEMA.names
    assert df.height == key["recommendation_count"] > 50


def test_coh_rows_are_realistic(coh_delivery, org):
    _, _, _, df = coh_delivery
    assert df["recommendation_id"].n_unique() == df.height
    assert set(df["currency_code"]) == {"USD"}
    assert set(df["action_type"]) >= {"Rightsize", "Stop", "MigrateToGraviton", "Upgrade", "Delete",
                                      "PurchaseSavingsPlans", "PurchaseReservedInstances"}
    assert set(df["current_resource_type"]) >= {"Ec2Instance", "EbsVolume", "LambdaFunction", "RdsDbInstance",
                                                "ComputeSavingsPlans", "Ec2ReservedInstances"}
    assert set(df["implementation_effort"]) <= {"VeryLow", "Low", "Medium", "High", "VeryHigh"}
    # recommendations only for catalogue resources; account ids keep their leading zeros
    ids = set(org.catalogue["resource_id"])
    usage = df.filter(pl.col("resource_arn") != "")
    for arn in usage["resource_arn"]:
        assert any(arn == rid or arn.endswith("/" + rid) or arn.endswith(":" + rid) for rid in ids), arn
    assert (usage["account_id"].str.len_chars() == 12).all()
    assert "000111222333" in set(df["account_id"])
    ec2 = usage.filter(pl.col("current_resource_type") == "Ec2Instance")
    assert ec2["resource_arn"].str.starts_with("arn:aws:ec2:").all()
    spot = org.catalogue.filter(pl.col("purchase_option") == "Spot")["resource_id"].to_list()
    assert not any(arn.endswith(rid) for arn in ec2["resource_arn"] for rid in spot)
    # rate optimisation rows have no ARN
    rate = df.filter(pl.col("action_type").is_in(["PurchaseSavingsPlans", "PurchaseReservedInstances"]))
    assert rate.height > 0 and (rate["resource_arn"] == "").all()
    assert rate["recommendation_source"].unique().to_list() == ["CostExplorer"]
    # JSON details parse; EBS deletes are unattached volumes
    for text in df["current_resource_details"].to_list() + df["recommended_resource_details"].to_list():
        json.loads(text)
    deletes = df.filter(pl.col("action_type") == "Delete")
    assert deletes["current_resource_details"].str.contains("Unattached").all()
    gp3 = df.filter((pl.col("action_type") == "Upgrade") & (pl.col("current_resource_type") == "EbsVolume"))
    assert gp3.height > 0 and gp3["recommended_resource_summary"].str.starts_with("gp3").all()
    # money: savings <= cost, after-discount basis <= public basis, percentages consistent
    assert (df["estimated_monthly_savings_after_discount"] <= df["estimated_monthly_cost_after_discount"] + 1e-6).all()
    assert (df["estimated_monthly_cost_after_discount"] <= df["estimated_monthly_cost_before_discount"] + 1e-6).all()
    assert (df["estimated_savings_percentage_before_discount"].is_between(0, 100)).all()
    # tags: user_ prefix dropped, exception tags present
    keys = {k for m in _tag_dicts(df["tags"]) for k in m}
    assert "application" in keys and not any(k.startswith("user_") for k in keys)
    assert keys & set(coh.EXCEPTION_TAG_KEYS)
    # SP / RI summaries parse like CID does
    sp = df.filter(pl.col("action_type") == "PurchaseSavingsPlans")["recommended_resource_summary"]
    assert sp.str.contains(r"^\$\d+\.\d{3}/hour").all()
    assert sp.str.contains("Payer").any() and sp.str.contains("Linked").any()
    ri = df.filter(pl.col("action_type") == "PurchaseReservedInstances")["recommended_resource_summary"]
    assert ri.str.contains(r"^\d+ \S+ .+ in AWS account \d{12} \((Payer|Linked)\), (one year|three years) term, ").all()
    # last_refresh_timestamp is an ISO string within the period
    ts = df["last_refresh_timestamp"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ")
    assert ts.dt.strftime("%Y-%m").unique().to_list() == [PERIOD]


def test_coh_has_overlapping_recommendations(coh_delivery):
    _, _, _, df = coh_delivery
    per_arn = (
        df.filter(pl.col("resource_arn") != "")
        .group_by("resource_arn")
        .agg(pl.len().alias("n"), pl.col("action_type").n_unique().alias("actions"))
    )
    assert per_arn.filter(pl.col("actions") > 1).height >= 5
    ec2_multi = df.filter(pl.col("current_resource_type") == "Ec2Instance").group_by("resource_arn").len()
    assert ec2_multi.filter(pl.col("len") > 1).height >= 3
    # several SP recommendations (payer, linked, EC2 instance SP) overlap in the "Compute" key
    assert df.filter(pl.col("action_type") == "PurchaseSavingsPlans").height >= 3


def _cid_super_arn(df: pl.DataFrame) -> pl.Series:
    """CORA's SuperARN, restated from the dashboard definition (independently of the generator)."""
    out = []
    for arn, ctype, summary, region in df.select(
        "resource_arn", "current_resource_type", "recommended_resource_summary", "region"
    ).iter_rows():
        if arn:
            out.append(arn)
        elif "ReservedInstances" in ctype:
            svc = "EC2" if "Ec2" in ctype else "RDS" if "Rds" in ctype else ctype.replace("ReservedInstances", "")
            head = summary.split(" in ", 1)[0]
            words = head.split(" ")
            product = " ".join(words[2:]) if len(words) > 2 else ctype
            out.append(f"{svc}:{region}:{product}:{words[1]}")
        elif "SavingsPlan" in ctype:
            out.append("Compute")
        else:
            out.append("NA")
    return pl.Series("super_arn", out)


def test_coh_answer_key_matches_parquet(coh_delivery):
    _, key, _, df = coh_delivery
    df = df.with_columns(_cid_super_arn(df))
    s = "estimated_monthly_savings_after_discount"
    top = df.group_by("super_arn").agg(pl.col(s).max())
    assert key["recommendation_count"] == df.height
    assert key["resources_with_recommendations"] == top.height
    assert key["total_monthly_savings_after_discount"] == pytest.approx(df[s].sum(), abs=1e-3)
    assert key["deduplicated_monthly_savings_after_discount"] == pytest.approx(top[s].sum(), abs=1e-3)
    assert key["deduplicated_monthly_savings_after_discount"] < key["total_monthly_savings_after_discount"]
    by_action = {a: v for a, v in df.group_by("action_type").agg(pl.col(s).sum()).iter_rows()}
    assert key["by_action_type"].keys() == by_action.keys()
    for action, value in by_action.items():
        assert key["by_action_type"][action] == pytest.approx(value, abs=1e-3)
    # the same recomputation in SQL, as the dbt model would do it
    duckdb = pytest.importorskip("duckdb")
    dedup = duckdb.sql(
        "select sum(m) from (select super_arn, max(estimated_monthly_savings_after_discount) m "
        "from df group by super_arn)"
    ).fetchone()[0]
    assert key["deduplicated_monthly_savings_after_discount"] == pytest.approx(dedup, abs=1e-3)


def test_coh_deterministic_and_revision(tmp_path, org):
    a = coh.write_period(tmp_path / "a", org, PERIOD, org.catalogue, seed=42)
    b = coh.write_period(tmp_path / "b", org, PERIOD, org.catalogue.reverse(), seed=42)
    assert a == b
    _, da = _delivered(tmp_path / "a", "coh")
    _, db = _delivered(tmp_path / "b", "coh")
    assert da.equals(db)
    # a re-delivery into the same folder replaces the files and changes the contents slightly
    r1 = coh.write_period(tmp_path / "a", org, PERIOD, org.catalogue, seed=42, revision=1)
    _, d1 = _delivered(tmp_path / "a", "coh")
    assert r1 != a
    shared = set(da["recommendation_id"]) & set(d1["recommendation_id"])
    assert 0.85 * da.height <= len(shared) <= da.height
    assert d1["last_refresh_timestamp"].min() > da["last_refresh_timestamp"].min()
    other = coh.write_period(tmp_path / "c", org, PERIOD, org.catalogue, seed=43)
    assert other != a


def test_coh_struct_tags_and_empty_catalogue(tmp_path, org):
    cat = make_catalogue(n_ec2=16).with_columns(
        pl.struct(pl.lit("shop").alias("user_application"), pl.lit(None, pl.String).alias("user_team")).alias("tags")
    )
    coh.write_period(tmp_path, org, PERIOD, cat, seed=1)
    _, df = _delivered(tmp_path, "coh")
    tags = _tag_dicts(df.filter(pl.col("resource_arn") != "")["tags"])
    assert tags and all(t.get("application") == "shop" and "team" not in t for t in tags)
    key = coh.write_period(tmp_path / "empty", org, PERIOD, cat.clear(), seed=1)
    assert key["recommendation_count"] == 0 and key["deduplicated_monthly_savings_after_discount"] == 0
    manifest, empty = _delivered(tmp_path / "empty", "coh")
    assert empty.height == 0 and manifest["rowCount"] == 0


# ---------------------------------------------------------------------------------------- carbon

SCOPES = {
    "lbm": ["total_scope_1_emissions_value", "total_scope_2_lbm_emissions_value", "total_scope_3_lbm_emissions_value"],
    "mbm": ["total_scope_1_emissions_value", "total_scope_2_mbm_emissions_value", "total_scope_3_mbm_emissions_value"],
}


def test_carbon_schema_units_and_totals(tmp_path, org):
    key = carbon.write_period(tmp_path, org, PERIOD, org.spend, seed=42)
    manifest, df = _delivered(tmp_path, "carbon")
    assert _schema_of(tmp_path, "carbon", manifest).equals(CARBON_SCHEMA, check_metadata=False)
    assert manifest["table"] == "CARBON_EMISSIONS"
    assert key["model_versions"] == ["v3.0.0"] and key["latest_model_version"] == "v3.0.0"
    assert df["model_version"].unique().to_list() == ["v3.0.0"]
    for col in (c for c in df.columns if c.endswith("_unit")):
        assert df[col].unique().to_list() == ["MTCO2e"], col
    for method, cols in SCOPES.items():
        total = df[f"total_{method}_emissions_value"]
        assert (total == df[cols[0]] + df[cols[1]] + df[cols[2]]).all()
    assert (df["total_mbm_emissions_value"] <= df["total_lbm_emissions_value"]).all()
    assert set(df["payer_account_id"]) == {PAYER}
    # support, credits are left out; global services are reported as Global
    assert "AWSSupportBusiness" not in set(df["product_code"])
    assert df.filter(pl.col("usage_account_id") == PAYER).height == 1
    cf = df.filter(pl.col("product_code").is_in(["AmazonCloudFront", "AmazonRoute53"]))
    assert cf.height == 2 and set(cf["location"]) == {"Global"}
    assert "US East (N. Virginia)" in set(df["location"])
    start = df["usage_period_start"].unique().to_list()
    end = df["usage_period_end"].unique().to_list()
    assert [str(x)[:10] for x in start] == ["2025-03-01"] and [str(x)[:10] for x in end] == ["2025-04-01"]
    assert (df["last_refresh_timestamp"] > df["usage_period_end"]).all()
    # plausible magnitude: $10k of EC2 in us-east-1 is 0.1-1 MTCO2e
    ec2 = df.filter((pl.col("product_code") == "AmazonEC2") & (pl.col("usage_account_id") == "012345678901")
                    & (pl.col("region_code") == "us-east-1"))
    assert 0.1 <= ec2["total_mbm_emissions_value"][0] < ec2["total_lbm_emissions_value"][0] <= 1.0
    # the answer key, recomputed from the Parquet
    assert key["row_count"] == df.height == key["delivered_row_count"]
    assert key["total_lbm_emissions"] == pytest.approx(df["total_lbm_emissions_value"].sum(), abs=1e-5)
    assert key["total_mbm_emissions"] == pytest.approx(df["total_mbm_emissions_value"].sum(), abs=1e-5)
    assert key["scope_2_mbm"] == pytest.approx(df["total_scope_2_mbm_emissions_value"].sum(), abs=1e-5)
    assert key["scope_3_lbm"] == pytest.approx(df["total_scope_3_lbm_emissions_value"].sum(), abs=1e-5)


def test_carbon_restated_period_has_two_model_versions(tmp_path, org):
    key = carbon.write_period(tmp_path, org, PERIOD, org.spend, seed=42, restated=True)
    manifest, df = _delivered(tmp_path, "carbon")
    assert sorted(df["model_version"].unique()) == ["v2.0.0", "v3.0.0"]
    assert key["model_versions"] == ["v2.0.0", "v3.0.0"] and key["latest_model_version"] == "v3.0.0"
    old = df.filter(pl.col("model_version") == "v2.0.0").sort("usage_account_id", "region_code", "product_code")
    new = df.filter(pl.col("model_version") == "v3.0.0").sort("usage_account_id", "region_code", "product_code")
    assert old.height == new.height == key["row_count"] and key["delivered_row_count"] == df.height
    assert (old["total_lbm_emissions_value"] != new["total_lbm_emissions_value"]).all()
    assert (new["last_refresh_timestamp"] > old["last_refresh_timestamp"]).all()
    # the key is the latest version only; summing across versions would be wrong
    assert key["total_lbm_emissions"] == pytest.approx(new["total_lbm_emissions_value"].sum(), abs=1e-5)
    assert key["total_lbm_emissions"] != pytest.approx(df["total_lbm_emissions_value"].sum(), abs=1e-5)
    for method, cols in SCOPES.items():
        assert (df[f"total_{method}_emissions_value"] == df[cols[0]] + df[cols[1]] + df[cols[2]]).all()
    # the non-restated key of the same period equals the latest version of the restated one
    plain = carbon.write_period(tmp_path / "plain", org, PERIOD, org.spend, seed=42)
    only_restated = ("model_versions", "delivered_row_count", "restatements")
    assert plain["restatements"] == []
    assert {k: v for k, v in plain.items() if k not in only_restated} == {
        k: v for k, v in key.items() if k not in only_restated
    }
    # per account, region and service: the latest version's rows, and each restatement's change
    keys = ["usage_account_id", "region_code", "product_code"]
    assert [(r["usage_account_id"], r["region_code"], r["product_code"]) for r in key["rows"]] == list(
        new.select(keys).iter_rows())
    assert [r["total_lbm_emissions"] for r in key["rows"]] == new["total_lbm_emissions_value"].to_list()
    changes = key["restatements"]
    assert len(changes) == new.height and {(c["previous_model_version"], c["model_version"]) for c in changes} == {
        ("v2.0.0", "v3.0.0")}
    for change, before, after in zip(changes, old.iter_rows(named=True), new.iter_rows(named=True)):
        assert change["previous_total_mbm_emissions"] == before["total_mbm_emissions_value"]
        assert change["scope_3_lbm_emissions"] == after["total_scope_3_lbm_emissions_value"]
        assert change["total_mbm_emissions_change"] == pytest.approx(
            after["total_mbm_emissions_value"] - before["total_mbm_emissions_value"], abs=1e-6)
        assert change["scope_3_mbm_emissions_change"] > 0 and before["total_scope_3_mbm_emissions_value"] == 0


def test_carbon_deterministic_and_revision(tmp_path, org):
    a = carbon.write_period(tmp_path / "a", org, PERIOD, org.spend, seed=42)
    b = carbon.write_period(tmp_path / "b", org, PERIOD, org.spend.reverse(), seed=42)
    assert a == b
    assert _delivered(tmp_path / "a", "carbon")[1].equals(_delivered(tmp_path / "b", "carbon")[1])
    r1 = carbon.write_period(tmp_path / "a", org, PERIOD, org.spend, seed=42, revision=1)
    assert r1 != a and r1["row_count"] == a["row_count"]
    assert r1["total_lbm_emissions"] == pytest.approx(a["total_lbm_emissions"], rel=0.03)
    assert carbon.write_period(tmp_path / "c", org, "2025-04", org.spend, seed=42) != a
    empty = carbon.write_period(tmp_path / "e", org, PERIOD, org.spend.clear(), seed=42)
    assert empty["row_count"] == 0 and empty["total_mbm_emissions"] == 0


def test_carbon_lag_leaves_the_latest_periods_undelivered():
    from infralyzer.exports.generate import _carbon_lag, _delivered

    periods = ["2026-07", "2026-08", "2026-09"]
    everything = ("cur2", "focus", "coh", "carbon")
    key = _carbon_lag(periods, everything, 1)
    assert key == {"carbon_lag_months": 1, "carbon_not_yet_delivered": ["2026-09"]}
    assert _delivered(everything, key, "2026-09") == ("cur2", "focus", "coh")
    assert _delivered(everything, key, "2026-08") == everything
    assert _carbon_lag(periods, everything, 0)["carbon_not_yet_delivered"] == []
    assert _carbon_lag(periods, ("cur2",), 2)["carbon_not_yet_delivered"] == []
    with pytest.raises(ValueError):
        _carbon_lag(periods, everything, -1)

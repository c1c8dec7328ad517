"""The price list: one `Sku` per priced usage (and pseudo entries for fees, tax, credits), built
on demand per region into a `SkuTable`. Prices are approximate public us-east-1 prices times the
region's factor."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from infralyzer.exports.generate.model.hashing import stable_int, token
from infralyzer.exports.generate.model.reference import (
    EC2_FAMILIES,
    LEGAL_ENTITY,
    MARKETPLACE,
    PRODUCT_NAMES,
    RDS_ENGINES,
    RDS_TYPES,
    SERVICE_CATEGORY,
    SIZES,
)


@dataclass
class Sku:
    """One price-list entry (or a pseudo entry for fees, tax, credits, ...)."""

    key: tuple
    product_code: str
    servicecode: str
    product_name: str
    family: str | None
    usage_type: str | None
    operation: str | None
    region: str | None
    unit: str | None
    rate: float | None  # unblended rate (Spot: Spot price)
    od: float | None  # public On-Demand rate
    pmap: dict
    desc: str
    instance_type: str | None = None
    instance_family: str | None = None
    billing_entity: str = "AWS"
    legal_entity: str = LEGAL_ENTITY
    nf: float | None = None
    monthly: bool = False  # quantity is a per-month unit (GB-Mo ...): prorated by hours
    sigma: float = 0.0  # day-to-day noise of the quantity
    spot: bool = False
    processor: str | None = None
    os: str | None = None
    from_location: str | None = None
    from_location_type: str | None = None
    from_region: str | None = None
    to_location: str | None = None
    to_location_type: str | None = None
    to_region: str | None = None
    price_details: dict = field(default_factory=dict)
    sku_meter: str | None = None
    focus_resource_type: str | None = None
    sku_id: str = ""
    rate_code: str = ""
    rate_id: str = ""


class SkuTable:
    def __init__(self, regions: list[tuple]):
        self.items: list[Sku] = []
        self.index: dict[tuple, int] = {}
        self.regions = regions
        self.region_index = {r[0]: i for i, r in enumerate(regions)}
        self.products: list[str] = []
        self.product_index: dict[str, int] = {}

    def add(self, sku: Sku) -> int:
        if sku.key in self.index:
            return self.index[sku.key]
        sku.sku_id = token("sku", *sku.key, n=16)
        sku.rate_code = f"{sku.sku_id}.JRTCKXETXF.6YS6EN2CT7"
        sku.rate_id = str(stable_int("rate", *sku.key) % 10_000_000_000)
        self.index[sku.key] = len(self.items)
        self.items.append(sku)
        self.product(sku.product_code)
        return self.index[sku.key]

    def product(self, code: str) -> int:
        if code not in self.product_index:
            self.product_index[code] = len(self.products)
            self.products.append(code)
        return self.product_index[code]

    def freeze(self) -> None:
        """Numpy views of the numeric attributes (after all SKUs are added)."""
        it = self.items
        self.rate = np.array([s.rate if s.rate is not None else np.nan for s in it], dtype=np.float64)
        self.od = np.array([s.od if s.od is not None else np.nan for s in it], dtype=np.float64)
        self.nf = np.array([s.nf if s.nf is not None else np.nan for s in it], dtype=np.float64)
        self.monthly = np.array([s.monthly for s in it], dtype=bool)
        self.sigma = np.array([s.sigma for s in it], dtype=np.float64)
        self.spot = np.array([s.spot for s in it], dtype=bool)
        self.prod = np.array([self.product_index[s.product_code] for s in it], dtype=np.int32)
        self.region = np.array([self.region_index.get(s.region, -1) if s.region else -1 for s in it], np.int32)
        self.aws = np.array([s.billing_entity == "AWS" for s in it], dtype=bool)
        self.n = len(it)
        self._arrow = None

    # Arrow vocabularies (built once)
    def arrow(self) -> dict[str, pa.Array]:
        if self._arrow is not None:
            return self._arrow
        it = self.items
        cols = {
            "product_code": [s.product_code for s in it],
            "servicecode": [s.servicecode for s in it],
            "product_name": [s.product_name for s in it],
            "family": [s.family for s in it],
            "usage_type": [s.usage_type for s in it],
            "operation": [s.operation for s in it],
            "region": [s.region for s in it],
            "location": [self._location(s.region) for s in it],
            "location_type": ["AWS Region" if s.region else None for s in it],
            "unit": [s.unit for s in it],
            "instance_type": [s.instance_type for s in it],
            "instance_family": [s.instance_family for s in it],
            "sku_id": [s.sku_id for s in it],
            "from_location": [s.from_location for s in it],
            "from_location_type": [s.from_location_type for s in it],
            "from_region": [s.from_region for s in it],
            "to_location": [s.to_location for s in it],
            "to_location_type": [s.to_location_type for s in it],
            "to_region": [s.to_region for s in it],
            "billing_entity": [s.billing_entity for s in it],
            "legal_entity": [s.legal_entity for s in it],
            "sku_meter": [s.sku_meter for s in it],
            "focus_resource_type": [s.focus_resource_type for s in it],
            "service_category": [SERVICE_CATEGORY.get(s.product_name, ("Other", "Other (Other)"))[0] for s in it],
            "service_subcategory": [SERVICE_CATEGORY.get(s.product_name, ("Other", "Other (Other)"))[1] for s in it],
        }
        out = {k: pa.array(v, type=pa.string()) for k, v in cols.items()}
        map_t = pa.map_(pa.string(), pa.string())
        out["pmap"] = pa.array([sorted((k, v) for k, v in s.pmap.items() if v is not None) for s in it], type=map_t)
        out["price_details"] = pa.array(
            [sorted(s.price_details.items()) if s.price_details else None for s in it], type=map_t
        )
        self._arrow = out
        return out

    def _location(self, region: str | None) -> str | None:
        if not region:
            return None
        return self.regions[self.region_index[region]][2] if region in self.region_index else None


def _base_pmap(product_code: str, region_row: tuple | None, servicecode: str | None = None, **extra) -> dict:
    name = PRODUCT_NAMES.get(servicecode or product_code, product_code)
    m = {"product_name": name, "servicecode": servicecode or product_code, "servicename": name}
    if region_row is not None:
        m.update(region=region_row[0], location=region_row[2], location_type="AWS Region")
    m.update({k: (str(v) if v is not None else None) for k, v in extra.items()})
    return m


def ec2_type_info(itype: str) -> dict:
    fam, size = itype.split(".")
    vendor, proc, current, klass, gib_per_vcpu, per_vcpu = EC2_FAMILIES[fam]
    vcpu, nf = SIZES[size]
    if fam.startswith("t"):
        mem = {"medium": 4, "large": 8}[size]
        price = per_vcpu * vcpu * (1.0 if size == "medium" else 2.0)
    else:
        mem = gib_per_vcpu * vcpu
        price = per_vcpu * vcpu
    return dict(family=fam, size=size, vendor=vendor, proc=proc, current=current, klass=klass, vcpu=vcpu,
                mem=mem, nf=nf, linux_od=price)


def ec2_sku(t: SkuTable, itype: str, region: str, os_: str, spot: bool) -> int:
    key = ("ec2", itype, region, os_, spot)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    info = ec2_type_info(itype)
    linux = round(info["linux_od"] * rr[3], 4)
    od = round(linux + (0.046 * info["vcpu"] * rr[3] if os_ == "Windows" else 0.0), 4)
    spot_factor = 0.28 + 0.17 * ((stable_int("spot", itype, region) % 1000) / 1000.0)
    rate = round(od * spot_factor, 4) if spot else od
    ut = f"{rr[1]}-{'SpotUsage' if spot else 'BoxUsage'}:{itype}"
    op = "RunInstances:0002" if os_ == "Windows" else "RunInstances"
    mem = f"{info['mem']:g} GiB"
    pm = _base_pmap(
        "AmazonEC2", rr,
        instance_type_family=info["family"], vcpu=info["vcpu"], memory=mem, physical_processor=info["proc"],
        processor_architecture="64-bit", operating_system=os_, tenancy="Shared",
        license_model="License Included" if os_ == "Windows" else "No License required",
        pre_installed_sw="NA", capacitystatus="Used", current_generation="Yes" if info["current"] else "No",
        network_performance="Up to 10 Gigabit", storage="EBS only", normalization_size_factor=f"{info['nf']:g}",
        marketoption="Spot" if spot else "OnDemand",
    )
    osd = "Linux/UNIX" if os_ == "Linux" else "Windows"
    desc = (f"{itype} {osd} Spot Instance-hour in {rr[2]} in VPC Zone #1" if spot
            else f"${od:g} per On Demand {os_} {itype} Instance Hour")
    return t.add(Sku(
        key=key, product_code="AmazonEC2", servicecode="AmazonEC2", product_name=PRODUCT_NAMES["AmazonEC2"],
        family="Compute Instance", usage_type=ut, operation=op, region=region, unit="Hrs", rate=rate, od=od,
        pmap=pm, desc=desc, instance_type=itype, instance_family=info["klass"], nf=info["nf"], spot=spot,
        processor=info["vendor"], os=os_,
        price_details={"InstanceType": itype, "InstanceSeries": info["family"], "CoreCount": str(info["vcpu"]),
                       "MemorySize": f"{info['mem']:g}", "OperatingSystem": os_},
        sku_meter="Instance Hours", focus_resource_type="Instance",
    ))


def rds_sku(t: SkuTable, itype: str, region: str, engine: str, multi_az: bool) -> int:
    key = ("rds", itype, region, engine, multi_az)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    vcpu, mem, vendor, proc, base, nf = RDS_TYPES[itype]
    op, lic, edition, factor, _oss, _w = RDS_ENGINES[engine]
    od = round(base * factor * (2.0 if multi_az else 1.0) * rr[3], 4)
    dep = "Multi-AZ" if multi_az else "Single-AZ"
    ut = f"{rr[1]}-{'Multi-AZUsage' if multi_az else 'InstanceUsage'}:{itype}"
    pm = _base_pmap("AmazonRDS", rr, database_engine=engine, database_edition=edition, license_model=lic,
                    deployment_option=dep, instance_type_family=itype.split(".")[1], vcpu=vcpu,
                    memory=f"{mem} GiB", physical_processor=proc, current_generation="Yes",
                    normalization_size_factor=f"{nf:g}")
    return t.add(Sku(
        key=key, product_code="AmazonRDS", servicecode="AmazonRDS", product_name=PRODUCT_NAMES["AmazonRDS"],
        family="Database Instance", usage_type=ut, operation=op, region=region, unit="Hrs", rate=od, od=od, pmap=pm,
        desc=f"RDS {itype} {dep} instance hour (or partial hour) running {engine}", instance_type=itype,
        instance_family="Memory optimized" if ".r" in itype else "General purpose", nf=nf * (2 if multi_az else 1),
        processor=vendor,
        price_details={"InstanceType": itype, "CoreCount": str(vcpu), "MemorySize": str(mem)},
        sku_meter="Database Instance Hours", focus_resource_type="DB Instance",
    ))


# (usage-type suffix, operation, unit, price $/unit us-east-1, family, monthly unit, sigma, pmap extras, desc)
EBS_LINES = {
    "gp2": ("EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo", 0.10, "Storage", True, 0.0,
            dict(volume_api_name="gp2", volume_type="General Purpose", storage_media="SSD-backed"),
            "per GB-month of General Purpose SSD (gp2) provisioned storage"),
    "gp3": ("EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08, "Storage", True, 0.0,
            dict(volume_api_name="gp3", volume_type="General Purpose", storage_media="SSD-backed"),
            "per GB-month of General Purpose (gp3) provisioned storage"),
    "io1": ("EBS:VolumeUsage.piops", "CreateVolume-P-IOPS", "GB-Mo", 0.125, "Storage", True, 0.0,
            dict(volume_api_name="io1", volume_type="Provisioned IOPS", storage_media="SSD-backed"),
            "per GB-month of Provisioned IOPS SSD (io1) provisioned storage"),
    "io1_iops": ("EBS:VolumeP-IOPS.piops", "CreateVolume-P-IOPS", "IOPS-Mo", 0.065, "System Operation", True, 0.0,
                 dict(volume_api_name="io1", group="EBS IOPS", volume_type="Provisioned IOPS"),
                 "per IOPS-month provisioned"),
    "gp3_iops": ("EBS:VolumeP-IOPS.gp3", "CreateVolume-Gp3", "IOPS-Mo", 0.005, "System Operation", True, 0.0,
                 dict(volume_api_name="gp3", group="EBS IOPS", volume_type="General Purpose"),
                 "per IOPS-month provisioned above 3000 IOPS"),
    "gp3_tp": ("EBS:VolumeP-Throughput.gp3", "CreateVolume-Gp3", "GiBps-mo", 40.96, "Provisioned Throughput",
               True, 0.0, dict(volume_api_name="gp3", group="EBS Throughput", volume_type="General Purpose"),
               "per GiBps-month of throughput provisioned above 125 MiBps"),
    "snap": ("EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo", 0.05, "Storage Snapshot", True, 0.0,
             dict(storage_media="Amazon S3", usagetype_group="EBS Snapshots"),
             "per GB-Month of snapshot data stored"),
}


def ebs_sku(t: SkuTable, line: str, region: str) -> int:
    key = ("ebs", line, region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    ut, op, unit, price, fam, monthly, sigma, extra, desc = EBS_LINES[line]
    rate = round(price * rr[3], 6)
    vt = extra.get("volume_api_name")
    return t.add(Sku(
        key=key, product_code="AmazonEC2", servicecode="AmazonEC2", product_name=PRODUCT_NAMES["AmazonEC2"],
        family=fam, usage_type=f"{rr[1]}-{ut}", operation=op, region=region, unit=unit, rate=rate, od=rate,
        pmap=_base_pmap("AmazonEC2", rr, **extra), desc=f"${rate:g} {desc} - {rr[2]}", monthly=monthly,
        sigma=sigma, price_details={"DiskType": vt} if vt else {"StorageClass": "Snapshot"},
        sku_meter=unit, focus_resource_type="Snapshot" if line == "snap" else "Volume",
    ))


# S3: line -> (usage-type suffix, operation, unit, price, family, monthly, sigma, volume_type, storage_class)
S3_LINES = {
    "std": ("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023, "Storage", True, 0.0,
            "Standard", "General Purpose"),
    "sia": ("TimedStorage-SIA-ByteHrs", "StandardIAStorage", "GB-Mo", 0.0125, "Storage", True, 0.0,
            "Standard - Infrequent Access", "Infrequent Access"),
    "gir": ("TimedStorage-GIR-ByteHrs", "GlacierInstantRetrievalStorage", "GB-Mo", 0.004, "Storage", True, 0.0,
            "Glacier Instant Retrieval", "Archive Instant Retrieval"),
    "gda": ("TimedStorage-GDA-ByteHrs", "DeepArchiveStorage", "GB-Mo", 0.00099, "Storage", True, 0.0,
            "Glacier Deep Archive", "Archive"),
    "int_fa": ("TimedStorage-INT-FA-ByteHrs", "IntelligentTieringFAStorage", "GB-Mo", 0.023, "Storage", True, 0.0,
               "Intelligent-Tiering Frequent Access", "Intelligent-Tiering"),
    "int_ia": ("TimedStorage-INT-IA-ByteHrs", "IntelligentTieringIAStorage", "GB-Mo", 0.0125, "Storage", True, 0.0,
               "Intelligent-Tiering Infrequent Access", "Intelligent-Tiering"),
    "req1": ("Requests-Tier1", "PutObject", "Requests", 0.000005, "API Request", False, 0.5, None, None),
    "req2": ("Requests-Tier2", "GetObject", "Requests", 0.0000004, "API Request", False, 0.5, None, None),
    "ret_sia": ("Retrieval-SIA", "GetObject", "GB", 0.01, "Data Retrieval", False, 0.8, None, None),
}


def s3_sku(t: SkuTable, line: str, region: str) -> int:
    key = ("s3", line, region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    ut, op, unit, price, fam, monthly, sigma, vtype, sclass = S3_LINES[line]
    rate = round(price * rr[3], 10)
    pm = _base_pmap("AmazonS3", rr, volume_type=vtype, storage_class=sclass,
                    group="S3-API-Tier1" if line == "req1" else ("S3-API-Tier2" if line == "req2" else None))
    if line.startswith("req"):
        desc = f"${rate * 1000:g} per 1,000 {'PUT, COPY, POST, or LIST' if line == 'req1' else 'GET and all other'} requests"
    elif line == "ret_sia":
        desc = f"${rate:g} per GB - Standard-Infrequent Access retrieval fee"
    else:
        desc = f"${rate:g} per GB-Mo for {vtype} storage"
    return t.add(Sku(
        key=key, product_code="AmazonS3", servicecode="AmazonS3", product_name=PRODUCT_NAMES["AmazonS3"], family=fam,
        usage_type=f"{rr[1]}-{ut}", operation=op, region=region, unit=unit, rate=rate, od=rate, pmap=pm, desc=desc,
        monthly=monthly, sigma=sigma, price_details={"StorageClass": vtype} if vtype else {},
        sku_meter=fam, focus_resource_type="Bucket",
    ))


def lambda_sku(t: SkuTable, line: str, region: str, arm: bool) -> int:
    key = ("lambda", line, region, arm)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    sfx = "-ARM" if arm else ""
    arch = "arm64" if arm else "x86_64"
    if line == "gbs":
        price = 0.0000133334 if arm else 0.0000166667
        ut, unit, fam, sigma, grp = f"Lambda-GB-Second{sfx}", "Lambda-GB-Second", "Serverless", 0.6, "AWS-Lambda-Duration"
        desc = f"AWS Lambda - Total Compute ({'Arm' if arm else 'x86'}) - {rr[2]}"
    else:
        price = 0.0000002
        ut, unit, fam, sigma, grp = f"Request{sfx}", "Requests", "Serverless", 0.5, "AWS-Lambda-Requests"
        desc = f"AWS Lambda - Total Requests ({'Arm' if arm else 'x86'}) - {rr[2]}"
    rate = round(price * (1.0 if rr[3] < 1.2 else 1.1), 10)
    return t.add(Sku(
        key=key, product_code="AWSLambda", servicecode="AWSLambda", product_name=PRODUCT_NAMES["AWSLambda"],
        family=fam, usage_type=f"{rr[1]}-{ut}", operation="Invoke", region=region, unit=unit, rate=rate, od=rate,
        pmap=_base_pmap("AWSLambda", rr, group=grp, processor_architecture=arch), desc=desc, sigma=sigma,
        processor="Graviton" if arm else "Intel", price_details={"x_Architecture": arch}, sku_meter=grp,
        focus_resource_type="Function",
    ))


def fargate_sku(t: SkuTable, line: str, region: str, arm: bool, product: str) -> int:
    key = ("fargate", line, region, arm, product)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    a = "ARM-" if arm else ""
    if line == "vcpu":
        price = 0.03238 if arm else 0.04048
        ut, unit = f"Fargate-{a}vCPU-Hours:perCPU", "hours"
        desc = f"AWS Fargate - vCPU - {rr[2]}{' (ARM)' if arm else ''}"
    else:
        price = 0.00356 if arm else 0.004445
        ut, unit = f"Fargate-{a}GB-Hours", "GB-Hours"
        desc = f"AWS Fargate - Memory - {rr[2]}{' (ARM)' if arm else ''}"
    rate = round(price * rr[3], 8)
    return t.add(Sku(
        key=key, product_code=product, servicecode=product, product_name=PRODUCT_NAMES[product], family="Compute",
        usage_type=f"{rr[1]}-{ut}", operation="FargateTask", region=region, unit=unit, rate=rate, od=rate,
        pmap=_base_pmap(product, rr, cputype="ARM" if arm else "x86", operating_system="Linux",
                        tenancy="Shared"),
        desc=desc, processor="Graviton" if arm else "Intel", os="Linux",
        price_details={"x_CpuArchitecture": "ARM" if arm else "x86"}, sku_meter="Fargate " + line,
        focus_resource_type="Service" if product == "AmazonECS" else "Pod",
    ))


def ddb_sku(t: SkuTable, line: str, region: str) -> int:
    key = ("ddb", line, region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    spec = {
        "rcu": ("ReadCapacityUnit-Hrs", "CommittedThroughput", "ReadCapacityUnit-Hrs", 0.00013, "Provisioned IOPS", 0.0),
        "wcu": ("WriteCapacityUnit-Hrs", "CommittedThroughput", "WriteCapacityUnit-Hrs", 0.00065, "Provisioned IOPS", 0.0),
        "rru": ("ReadRequestUnits", "PayPerRequestThroughput", "ReadRequestUnits", 0.00000025,
                "Amazon DynamoDB PayPerRequest Throughput", 0.5),
        "wru": ("WriteRequestUnits", "PayPerRequestThroughput", "WriteRequestUnits", 0.00000125,
                "Amazon DynamoDB PayPerRequest Throughput", 0.5),
        "storage": ("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.25, "Database Storage", 0.0),
    }[line]
    ut, op, unit, price, fam, sigma = spec
    rate = round(price * rr[3], 10)
    return t.add(Sku(
        key=key, product_code="AmazonDynamoDB", servicecode="AmazonDynamoDB",
        product_name=PRODUCT_NAMES["AmazonDynamoDB"], family=fam, usage_type=f"{rr[1]}-{ut}", operation=op,
        region=region, unit=unit, rate=rate, od=rate, pmap=_base_pmap("AmazonDynamoDB", rr, group=ut),
        desc=f"${rate:g} per {unit} for {ut} in {rr[2]}", monthly=(line == "storage"), sigma=sigma,
        sku_meter=ut, focus_resource_type="Table",
    ))


def dt_sku(t: SkuTable, line: str, region: str, to_region: str | None = None) -> int:
    key = ("dt", line, region, to_region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    if line == "out":
        ut, op, price, ttype = "DataTransfer-Out-Bytes", "RunInstances", 0.09, "AWS Outbound"
        to_loc, to_type, to_code = "External", "Other", None
        desc = "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier"
    elif line == "interregion":
        tr = t.regions[t.region_index[to_region]]
        ut, op, price, ttype = f"{tr[1]}-AWS-Out-Bytes", "RunInstances", 0.02, "InterRegion Outbound"
        ut = f"{rr[1]}-{tr[1]}-AWS-Out-Bytes"
        to_loc, to_type, to_code = tr[2], "AWS Region", tr[0]
        desc = f"$0.02 per GB - {rr[2]} data transfer to {tr[2]}"
    else:
        ut, op, price, ttype = "DataTransfer-Regional-Bytes", "InterZone-Out", 0.01, "IntraRegion"
        to_loc, to_type, to_code = rr[2], "AWS Region", rr[0]
        desc = "$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB"
    if not ut.startswith(rr[1]):
        ut = f"{rr[1]}-{ut}"
    pm = _base_pmap("AmazonEC2", rr, servicecode="AWSDataTransfer", transfer_type=ttype,
                    from_location=rr[2], to_location=to_loc)
    return t.add(Sku(
        key=key, product_code="AmazonEC2", servicecode="AWSDataTransfer",
        product_name=PRODUCT_NAMES["AWSDataTransfer"], family="Data Transfer", usage_type=ut, operation=op,
        region=region, unit="GB", rate=price, od=price, pmap=pm, desc=desc, sigma=0.7,
        from_location=rr[2], from_location_type="AWS Region", from_region=rr[0], to_location=to_loc,
        to_location_type=to_type, to_region=to_code, sku_meter="Data Transfer", focus_resource_type="Instance",
    ))


MISC_SERVICES = {
    # product: (usage-type, operation, unit, $/unit-hour equivalent, family, sigma, global)
    "AmazonCloudWatch": ("CW:MetricMonitorUsage", "MetricStorage", "Metrics", 0.3 / 730, "Metric", 0.1, False),
    "awskms": ("KMS-Keys", "CreateKey", "Keys", 1.0 / 730, "Encryption Key", 0.0, False),
    "AWSQueueService": ("Requests-Tier1", "GetQueueAttributes", "Requests", 0.0000004, "API Request", 0.4, False),
    "AmazonRoute53": ("HostedZone", "HostedZone", "HostedZone", 0.5 / 730, "DNS Zone", 0.0, True),
}


def misc_sku(t: SkuTable, product: str, region: str) -> int:
    ut, op, unit, price, fam, sigma, glob = MISC_SERVICES[product]
    key = ("misc", product, None if glob else region)
    if key in t.index:
        return t.index[key]
    rr = None if glob else t.regions[t.region_index[region]]
    return t.add(Sku(
        key=key, product_code=product, servicecode=product, product_name=PRODUCT_NAMES[product], family=fam,
        usage_type=ut if glob else f"{rr[1]}-{ut}", operation=op, region=None if glob else region, unit=unit,
        rate=round(price, 10), od=round(price, 10), pmap=_base_pmap(product, rr), sigma=sigma,
        desc=f"{PRODUCT_NAMES[product]} {unit}", monthly=False, sku_meter=unit,
    ))


def eks_cluster_sku(t: SkuTable, region: str) -> int:
    key = ("eks", region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    return t.add(Sku(
        key=key, product_code="AmazonEKS", servicecode="AmazonEKS", product_name=PRODUCT_NAMES["AmazonEKS"],
        family="Compute", usage_type=f"{rr[1]}-AmazonEKS-Hours:perCluster", operation="CreateOperation",
        region=region, unit="Hours", rate=0.10, od=0.10, pmap=_base_pmap("AmazonEKS", rr, tenancy="Shared"),
        desc="Amazon EKS cluster usage", sku_meter="Cluster Hours", focus_resource_type="Cluster",
    ))


def marketplace_sku(t: SkuTable) -> int:
    mp = MARKETPLACE
    key = ("mp",)
    if key in t.index:
        return t.index[key]
    rr = t.regions[0]
    return t.add(Sku(
        key=key, product_code=mp["product_code"], servicecode=mp["product_code"], product_name=mp["product_name"],
        family=None, usage_type=f"{rr[1]}-MP:HostHrs", operation="Hourly", region=rr[0], unit="Hrs",
        rate=mp["rate"], od=mp["rate"],
        pmap={"product_name": mp["product_name"], "region": rr[0], "location": rr[2], "location_type": "AWS Region"},
        desc=f"${mp['rate']:g} per host-hour of {mp['product_name']}", billing_entity="AWS Marketplace",
        legal_entity=mp["seller"], sku_meter="Host Hours",
    ))


def product_sku(t: SkuTable, product_code: str) -> int:
    """Pseudo SKU for rows that only name a product (Tax, Credit, Refund, EdpDiscount)."""
    key = ("product", product_code)
    if key in t.index:
        return t.index[key]
    if product_code == MARKETPLACE["product_code"]:
        name, be, le = MARKETPLACE["product_name"], "AWS Marketplace", MARKETPLACE["seller"]
    else:
        name, be, le = PRODUCT_NAMES.get(product_code, product_code), "AWS", LEGAL_ENTITY
    return t.add(Sku(
        key=key, product_code=product_code, servicecode=product_code, product_name=name, family=None,
        usage_type=None, operation=None, region=None, unit=None, rate=None, od=None,
        pmap={"product_name": name, "servicecode": product_code}, desc=name, billing_entity=be, legal_entity=le,
    ))


def support_sku(t: SkuTable) -> int:
    key = ("support",)
    if key in t.index:
        return t.index[key]
    name = PRODUCT_NAMES["AWSSupportBusiness"]
    return t.add(Sku(
        key=key, product_code="AWSSupportBusiness", servicecode="AWSSupportBusiness", product_name=name,
        family="Support", usage_type="Dollar", operation=None, region=None, unit="Dollar", rate=None, od=None,
        pmap={"product_name": name, "servicecode": "AWSSupportBusiness", "servicename": name},
        desc="AWS Support (Business)", sku_meter="Support",
    ))

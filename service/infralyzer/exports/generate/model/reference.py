"""Reference data of the model: regions, account pool, tag vocabularies, instance families and
sizes, product names and categories, and the internal resource kinds."""

from __future__ import annotations

EDP_RATE = 0.05
INVOICING_ENTITY = "Amazon Web Services, Inc."
LEGAL_ENTITY = "Amazon Web Services, Inc."


# code, usage-type prefix, location, price factor
REGIONS = [
    ("us-east-1", "USE1", "US East (N. Virginia)", 1.00),
    ("us-west-2", "USW2", "US West (Oregon)", 1.00),
    ("eu-west-1", "EU", "EU (Ireland)", 1.10),
    ("eu-central-1", "EUC1", "EU (Frankfurt)", 1.16),
    ("ap-southeast-2", "APS2", "Asia Pacific (Sydney)", 1.25),
]
REGION_WEIGHTS = [0.42, 0.22, 0.18, 0.11, 0.07]

# name, env, business unit (cost category), owner (account tag), default team, weight, tax rate
ACCOUNT_POOL = [
    ("prod-platform", "prod", "Platform", "platform-team", "platform", 3.0, 0.0625),
    ("prod-payments", "prod", "Payments", "payments-team", "payments", 2.0, 0.0625),
    ("prod-data", "prod", "Data", "data-team", "data", 2.5, 0.0625),
    ("staging", "staging", "Platform", "platform-team", "web", 1.0, 0.0825),
    ("dev-sandbox", "dev", None, "engineering", "web", 0.8, 0.0),
    ("shared-services", "prod", "Platform", "sre-team", "sre", 1.0, 0.0625),
    ("analytics", "prod", "Data", "bi-team", "data", 1.2, 0.0825),
    ("ml-research", "dev", "Data", "ml-team", "ml", 1.0, 0.0825),
    ("security-audit", "prod", None, "security-team", "security", 0.4, 0.0625),
    ("legacy-erp", "prod", "Finance", "finance-it", "finance-it", 0.8, 0.0825),
]
PAYER_NAME = "northwind-management"
PAYER_TAX_RATE = 0.0625

TEAMS = ["platform", "payments", "data", "web", "ml", "security", "sre", "finance-it"]
COST_CENTERS = ["CC-1001", "CC-1002", "CC-1003", "CC-1004", "CC-1005", "CC-1006", "CC-1007", "CC-1008"]
APPS = ["checkout", "ledger", "search", "recommender", "etl", "dashboard", "auth", "gateway", "erp",
        "data-lake", "ml-training", "billing"]
ENV_VALUES = {
    "prod": (["prod", "Prod", "production"], [0.6, 0.25, 0.15]),
    "staging": (["staging", "stage", "Staging"], [0.7, 0.2, 0.1]),
    "dev": (["dev", "development", "Dev"], [0.7, 0.2, 0.1]),
}

# EC2 family: (vendor, physical processor, current generation, class, GiB per vCPU, $/vCPU-hour Linux)
EC2_FAMILIES = {
    "m5": ("Intel", "Intel Xeon Platinum 8175", True, "General purpose", 4, 0.048),
    "c5": ("Intel", "Intel Xeon Platinum 8124M", True, "Compute optimized", 2, 0.0425),
    "r5": ("Intel", "Intel Xeon Platinum 8175", True, "Memory optimized", 8, 0.063),
    "m6i": ("Intel", "Intel Xeon 8375C (Ice Lake)", True, "General purpose", 4, 0.048),
    "c6i": ("Intel", "Intel Xeon 8375C (Ice Lake)", True, "Compute optimized", 2, 0.0425),
    "t3": ("Intel", "Intel Skylake E5 2686 v5", True, "General purpose", 2, 0.0208),
    "m5a": ("AMD", "AMD EPYC 7571", True, "General purpose", 4, 0.043),
    "c5a": ("AMD", "AMD EPYC 7R32", True, "Compute optimized", 2, 0.0385),
    "m6a": ("AMD", "AMD EPYC 7R13 Processor", True, "General purpose", 4, 0.0432),
    "r5a": ("AMD", "AMD EPYC 7571", True, "Memory optimized", 8, 0.0565),
    "m6g": ("Graviton", "AWS Graviton2 Processor", True, "General purpose", 4, 0.0385),
    "c7g": ("Graviton", "AWS Graviton3 Processor", True, "Compute optimized", 2, 0.03625),
    "r6g": ("Graviton", "AWS Graviton2 Processor", True, "Memory optimized", 8, 0.0504),
    "t4g": ("Graviton", "AWS Graviton2 Processor", True, "General purpose", 2, 0.0168),
    "m4": ("Intel", "Intel Xeon E5-2676 v3 (Haswell)", False, "General purpose", 4, 0.05),
    "c4": ("Intel", "Intel Xeon E5-2666 v3 (Haswell)", False, "Compute optimized", 1.875, 0.0497),
    "r4": ("Intel", "Intel Xeon E5-2686 v4 (Broadwell)", False, "Memory optimized", 7.625, 0.0665),
    "t2": ("Intel", "Intel Xeon Family", False, "General purpose", 2, 0.0232),
}
# size: (vCPU, normalization factor)
SIZES = {"medium": (2, 2.0), "large": (2, 4.0), "xlarge": (4, 8.0), "2xlarge": (8, 16.0), "4xlarge": (16, 32.0)}

GENERIC_TYPES = [
    ("m5.large", 6), ("m5.xlarge", 5), ("m5.2xlarge", 2), ("c5.large", 4), ("c5.xlarge", 4), ("c5.2xlarge", 1),
    ("r5.large", 3), ("r5.xlarge", 2), ("m6i.large", 4), ("m6i.xlarge", 3), ("c6i.xlarge", 2), ("t3.medium", 5),
    ("t3.large", 3), ("m5a.large", 3), ("m5a.xlarge", 2), ("c5a.large", 2), ("c5a.xlarge", 1), ("m6a.large", 3),
    ("m6a.xlarge", 2), ("r5a.large", 1), ("m6g.large", 4), ("m6g.xlarge", 3), ("c7g.large", 3), ("c7g.xlarge", 2),
    ("r6g.large", 3), ("r6g.xlarge", 1), ("t4g.medium", 3), ("m4.large", 3), ("m4.xlarge", 2), ("c4.large", 2),
    ("c4.xlarge", 1), ("t2.medium", 3), ("t2.large", 2), ("r4.large", 1),
]
HOST_TYPES = ["m5.2xlarge", "m6i.xlarge", "m6g.xlarge", "m5a.xlarge", "c6i.xlarge"]

# RDS: type -> (vCPU, GiB, vendor, physical processor, MySQL single-AZ $/h us-east-1, normalization factor)
RDS_TYPES = {
    "db.t3.medium": (2, 4, "Intel", "Intel Xeon Platinum 8175", 0.068, 2.0),
    "db.m5.large": (2, 8, "Intel", "Intel Xeon Platinum 8175", 0.171, 4.0),
    "db.m5.xlarge": (4, 16, "Intel", "Intel Xeon Platinum 8175", 0.342, 8.0),
    "db.r5.large": (2, 16, "Intel", "Intel Xeon Platinum 8175", 0.24, 4.0),
    "db.r5.xlarge": (4, 32, "Intel", "Intel Xeon Platinum 8175", 0.48, 8.0),
    "db.m6g.large": (2, 8, "Graviton", "AWS Graviton2 Processor", 0.152, 4.0),
    "db.r6g.large": (2, 16, "Graviton", "AWS Graviton2 Processor", 0.215, 4.0),
    "db.r6g.xlarge": (4, 32, "Graviton", "AWS Graviton2 Processor", 0.43, 8.0),
}
# engine -> (operation, license model, edition, price factor, open source, weight)
RDS_ENGINES = {
    "MySQL": ("CreateDBInstance:0002", "No license required", None, 1.0, True, 0.25),
    "PostgreSQL": ("CreateDBInstance:0014", "No license required", None, 1.04, True, 0.30),
    "Aurora PostgreSQL": ("CreateDBInstance:0021", "No license required", None, 1.21, True, 0.15),
    "Oracle": ("CreateDBInstance:0005", "License included", "Standard Two", 2.3, False, 0.17),
    "SQL Server": ("CreateDBInstance:0012", "License included", "Standard", 4.0, False, 0.13),
}

PRODUCT_NAMES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AWSDataTransfer": "AWS Data Transfer",
    "AmazonS3": "Amazon Simple Storage Service",
    "AmazonRDS": "Amazon Relational Database Service",
    "AWSLambda": "AWS Lambda",
    "AmazonECS": "Amazon Elastic Container Service",
    "AmazonEKS": "Amazon Elastic Kubernetes Service",
    "AmazonDynamoDB": "Amazon DynamoDB",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "awskms": "AWS Key Management Service",
    "AWSQueueService": "Amazon Simple Queue Service",
    "AmazonRoute53": "Amazon Route 53",
    "AWSSupportBusiness": "AWS Support (Business)",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
}
# FOCUS ServiceCategory / ServiceSubcategory per ServiceName (product name)
SERVICE_CATEGORY = {
    "Amazon Elastic Compute Cloud": ("Compute", "Virtual Machines"),
    "AWS Data Transfer": ("Networking", "Network Connectivity"),
    "Amazon Simple Storage Service": ("Storage", "Object Storage"),
    "Amazon Relational Database Service": ("Databases", "Relational Databases"),
    "AWS Lambda": ("Compute", "Serverless Compute"),
    "Amazon Elastic Container Service": ("Compute", "Containers"),
    "Amazon Elastic Kubernetes Service": ("Compute", "Containers"),
    "Amazon DynamoDB": ("Databases", "NoSQL Databases"),
    "AmazonCloudWatch": ("Management and Governance", "Observability"),
    "AWS Key Management Service": ("Security", "Secret Management"),
    "Amazon Simple Queue Service": ("Integration", "Messaging"),
    "Amazon Route 53": ("Networking", "Network Routing"),
    "AWS Support (Business)": ("Management and Governance", "Support"),
    "Savings Plans for AWS Compute usage": ("Compute", "Other (Compute)"),
    "Datadog Pro (Per Host)": ("Management and Governance", "Observability"),
    "Amazon Virtual Private Cloud": ("Networking", "Network Infrastructure"),
    "Elastic Load Balancing": ("Networking", "Network Infrastructure"),
}
MARKETPLACE = {
    "product_code": "6ng2q7n9hd0vkmpcrq3nlf4eq",
    "product_name": "Datadog Pro (Per Host)",
    "seller": "Datadog, Inc.",
    "rate": 0.031,
}

# internal resource kinds
K_EC2, K_FARGATE, K_RDS, K_EKS = 0, 1, 2, 3
K_EBS, K_SNAP, K_S3, K_LAMBDA, K_DDB, K_DT, K_MISC, K_MP = 10, 11, 12, 13, 14, 15, 16, 17
DAILY_LINES = 8

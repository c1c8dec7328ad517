"""Every mart endpoint: its numbers equal the marts; filters, pagination, sorting, formats, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from api_support import API, close, headers, read_table

pytestmark = pytest.mark.e2e

V = headers("viewer")


def get(client, path: str, **params):
    response = client.get(f"{API}{path}", params=params, headers=V)
    assert response.status_code == 200, response.text
    return response.json()


def test_json_envelope_and_freshness(client, mart):
    body = get(client, "/spend/invoice-summary")
    assert set(body) >= {"data", "row_count", "execution_time_ms", "freshness"}
    built_at, period = mart("select built_at, newest_billing_period from main.snapshot_info")[0]
    assert body["freshness"]["newest_billing_period"] == period == "2026-09"
    assert body["freshness"]["built_at"] == built_at.replace(tzinfo=dt.UTC).isoformat()  # stored as UTC
    assert body["row_count"] == len(body["data"]) > 0


def test_invoice_summary_equals_the_mart(client, mart):
    rows = get(client, "/spend/invoice-summary")["data"]
    expected = mart("select billing_period, payer_account_id, total_unblended_cost, total_amortized_cost, tax_cost "
                    "from marts.fct_invoice_summary order by 1, 2")
    assert [(r["billing_period"], r["payer_account_id"]) for r in rows] == [e[:2] for e in expected]
    for row, (_, _, unblended, amortized, tax) in zip(rows, expected):
        assert close(row["total_unblended_cost"], unblended)
        assert close(row["total_amortized_cost"], amortized)
        assert close(row["tax_cost"], tax)


@pytest.mark.parametrize("basis", ["unblended", "amortized", "net_unblended", "net_amortized", "public_on_demand"])
@pytest.mark.parametrize("dimension,column", [("service", "service"), ("account", "usage_account_id"),
                                              ("region", "region"), ("usage_type", "usage_type")])
def test_breakdowns_equal_the_mart_in_every_basis(client, mart, basis, dimension, column):
    rows = get(client, f"/spend/by/{dimension}", cost_basis=basis, limit=10_000)["data"]
    expected = {(p, v): c for p, v, c in mart(
        f"select billing_period, {column}, sum({basis}_cost) from marts.fct_spend_monthly group by all")}
    assert len(rows) == len(expected)
    for row in rows:
        assert close(row["cost"], expected[row["billing_period"], row[dimension]])


def test_breakdown_by_day_with_filters(client, mart):
    rows = get(client, "/spend/by/service", grain="day", **{"from": "2026-08", "to": "2026-08"},
               account="080184646050", region="us-east-1,us-west-2", limit=10_000)["data"]
    expected = {(str(d), s): c for d, s, c in mart(
        "select usage_date, service, sum(amortized_cost) from marts.fct_spend_daily where billing_period = '2026-08' "
        "and usage_account_id = '080184646050' and region in ('us-east-1', 'us-west-2') group by all")}
    assert len(rows) == len(expected) > 0
    for row in rows:
        assert close(row["cost"], expected[row["usage_date"], row["service"]])


def test_default_sort_is_by_period_then_largest_cost(client):
    rows = get(client, "/spend/by/service", limit=50)["data"]
    first = [r for r in rows if r["billing_period"] == rows[0]["billing_period"]]
    assert [r["cost"] for r in first] == sorted((r["cost"] for r in first), reverse=True)


def test_pagination_walks_every_row_once(client, mart):
    total = mart("select count(*) from marts.fct_spend_trends")[0][0]
    seen, offset = [], 0
    while True:
        body = get(client, "/spend/trends", limit=100, offset=offset, sort="-amortized_cost")
        seen += [(r["billing_period"], r["usage_account_id"], r["service"]) for r in body["data"]]
        if not body["has_more"]:
            break
        offset += 100
    assert len(seen) == len(set(seen)) == total
    amounts = [r["amortized_cost"] for r in get(client, "/spend/trends", limit=50, sort="-amortized_cost")["data"]]
    assert amounts == sorted(amounts, reverse=True)


def test_top_movers_equal_the_mart(client, mart):
    rows = get(client, "/spend/top-movers", **{"from": "2026-09"})["data"]
    expected = mart("select usage_account_id, service, mom_change_amortized_cost from marts.fct_top_movers "
                    "where billing_period = '2026-09' order by mover_rank")
    assert [(r["usage_account_id"], r["service"]) for r in rows] == [e[:2] for e in expected]
    assert all(close(r["mom_change_amortized_cost"], e[2]) for r, e in zip(rows, expected))


@pytest.mark.parametrize("path,table,value", [
    ("/spend/trends", "fct_spend_trends", "amortized_cost"),
    ("/discounts/utilization", "fct_commitment_utilization", "unused_commitment"),
    ("/discounts/coverage", "fct_commitment_coverage", "eligible_cost"),
    ("/discounts/savings", "fct_savings_summary", "total_savings"),
    ("/discounts/savings-plan-sizing", "fct_savings_plan_sizing", "monthly_savings"),
    ("/discounts/commitments", "dim_commitments", "days_until_expiry"),
    ("/kpi/summary", "fct_kpi_tracker", "potential_savings"),
    ("/kpi/unit-costs", "fct_unit_costs", "numerator_cost"),
    ("/allocation/chargeback", "fct_chargeback", "amortized_cost"),
    ("/allocation/showback", "fct_showback", "amortized_cost"),
    ("/allocation/tag-compliance", "fct_tag_compliance", "tagged_amortized_cost"),
    ("/allocation/untagged-resources", "fct_untagged_resources", "amortized_cost"),
    ("/allocation/resources", "fct_resource_allocation", "amortized_cost"),
    ("/tables/dim_accounts", "dim_accounts", None),
    ("/carbon/emissions", "fct_carbon_emissions", "total_mbm_emissions_mtco2e"),
    ("/carbon/restatements", "fct_carbon_restatements", "total_mbm_emissions_change_mtco2e"),
])
def test_mart_endpoints_return_the_whole_mart(client, mart, path, table, value):
    if not mart(f"select count(*) from information_schema.tables where table_schema = 'marts' "
                f"and table_name = '{table}'")[0][0]:
        response = client.get(f"{API}{path}", headers=V)
        assert response.status_code == 404 and response.json()["error"] == "mart_not_published"
        return
    body = get(client, path, limit=10_000)
    count = mart(f"select count(*) from marts.{table}")[0][0]
    assert body["row_count"] == min(count, 10_000)
    if value:
        total = mart(f"select sum({value}) from marts.{table}")[0][0]
        assert close(sum(r[value] or 0 for r in body["data"]), total, 1e-7)


def test_period_and_account_filters(client, mart):
    rows = get(client, "/discounts/savings", **{"from": "2026-08", "to": "2026-09"},
               account="080184646050,636167725090")["data"]
    expected = mart("select sum(total_savings), count(*) from marts.fct_savings_summary where billing_period between "
                    "'2026-08' and '2026-09' and usage_account_id in ('080184646050', '636167725090')")[0]
    assert len(rows) == expected[1] > 0
    assert close(sum(r["total_savings"] for r in rows), expected[0], 1e-7)


def test_expiring_commitments(client, mart):
    rows = get(client, "/discounts/expiring-commitments", days=3650)["data"]
    expected = mart("select commitment_arn from marts.dim_commitments where days_until_expiry between 0 and 3650 "
                    "order by days_until_expiry, commitment_arn")
    assert [r["commitment_arn"] for r in rows] == [e[0] for e in expected]
    assert all(0 <= r["days_until_expiry"] <= 3650 for r in rows)


def test_recommended_savings_plan(client, mart):
    rows = get(client, "/discounts/savings-plan-sizing", recommended_only="true")["data"]
    expected = mart("select payer_account_id, candidate, hourly_commitment from marts.fct_savings_plan_sizing "
                    "where is_recommended order by 1")
    assert [(r["payer_account_id"], r["candidate"]) for r in rows] == [e[:2] for e in expected]
    assert all(close(r["hourly_commitment"], e[2]) for r, e in zip(rows, expected))


def test_kpi_filter(client, mart):
    rows = get(client, "/kpi/summary", kpi="compute_ondemand_coverage", limit=10_000)["data"]
    assert rows and {r["kpi_id"] for r in rows} == {"compute_ondemand_coverage"}
    count = mart("select count(*) from marts.fct_kpi_tracker where kpi_id = 'compute_ondemand_coverage'")[0][0]
    assert len(rows) == count


def test_tables_lists_every_mart_with_docs(client, mart):
    body = get(client, "/tables")
    names = {t["name"] for t in body["data"]}
    assert names == {r[0] for r in mart("select table_name from information_schema.tables "
                                        "where table_schema = 'marts'")}
    spend = next(t for t in body["data"] if t["name"] == "fct_spend_daily")
    assert spend["description"] and spend["account_column"] == "usage_account_id"
    assert any(c["name"] == "amortized_cost" and c["description"] for c in spend["columns"])


@pytest.mark.parametrize("fmt,media", [("csv", "text/csv"), ("parquet", "application/vnd.apache.parquet"),
                                       ("arrow", "application/vnd.apache.arrow.stream")])
def test_formats_by_parameter_and_accept_header(client, mart, fmt, media):
    expected = {(p, s): c for p, s, c in mart("select billing_period, service, sum(unblended_cost) "
                                              "from marts.fct_spend_monthly group by all")}
    for response in (
        client.get(f"{API}/spend/by/service", params={"format": fmt, "cost_basis": "unblended", "limit": 10_000},
                   headers=V),
        client.get(f"{API}/spend/by/service", params={"cost_basis": "unblended", "limit": 10_000},
                   headers={**V, "Accept": media}),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        assert response.headers["x-infralyzer-newest-billing-period"] == "2026-09"
        table = read_table(response)
        assert table.num_rows == len(expected) == int(response.headers["x-row-count"])
        for row in table.to_pylist():
            assert close(row["cost"], expected[row["billing_period"], row["service"]])


@pytest.mark.parametrize("path,params,status,code", [
    ("/spend/trends", {"from": "2026-13"}, 422, "invalid_parameter"),
    ("/spend/trends", {"from": "2026-09", "to": "2026-07"}, 422, "invalid_parameter"),
    ("/spend/trends", {"sort": "amortized_cost; drop table x"}, 422, "invalid_parameter"),
    ("/spend/trends", {"account": "12345"}, 422, "invalid_parameter"),
    ("/spend/trends", {"limit": 10_000_000}, 422, "invalid_parameter"),
    ("/spend/by/nothing", {}, 422, "invalid_parameter"),
    ("/spend/by/service", {"cost_basis": "blended"}, 422, "invalid_parameter"),
    ("/spend/by/service", {"format": "xml"}, 422, "invalid_parameter"),
    ("/discounts/coverage", {"service": "AmazonEC2' or 1=1 --"}, 200, None),
    ("/tables/no_such_mart", {}, 404, "mart_not_published"),
    ("/tables/Bad-Name", {}, 422, "invalid_parameter"),
    ("/nowhere", {}, 404, "not_found"),
])
def test_errors_have_one_shape(client, path, params, status, code):
    response = client.get(f"{API}{path}", params=params, headers=V)
    assert response.status_code == status, response.text
    if code:
        body = response.json()
        assert set(body) == {"error", "message", "details"} and body["error"] == code
    else:
        assert response.json()["row_count"] == 0  # a value is a value, never SQL


def test_a_mart_with_map_columns_is_paged_and_not_sorted_by_them(client):
    """Trino and Athena cannot order maps: a page of fct_focus_costs is ordered by its other columns
    (the Trino backend test runs this endpoint there), and sorting by a map column is refused."""
    response = client.get(f"{API}/tables/fct_focus_costs", params={"limit": 5}, headers=V)
    assert response.status_code == 200 and response.json()["row_count"] == 5, response.text
    refused = client.get(f"{API}/tables/fct_focus_costs", params={"sort": "Tags"}, headers=V)
    assert refused.status_code == 422, refused.text
    sortable = refused.json()["details"]["sortable"]
    assert "BilledCost" in sortable and not {"Tags", "SkuPriceDetails", "x_CostCategories"} & set(sortable)


def test_openapi_documents_every_group_with_examples(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for group in ("spend", "discounts", "kpi", "tables", "metrics", "sql", "allocation", "carbon"):
        assert any(p.startswith(f"{API}/{group}") for p in paths), group
    assert "examples" in str(paths[f"{API}/sql/query"]["post"]["requestBody"])
    assert "text/csv" in paths[f"{API}/spend/by/{{dimension}}"]["get"]["responses"]["200"]["content"]


def test_kpi_rollup_is_a_ratio_of_sums(client, mart):
    rows = get(client, "/kpi/summary", rollup="true", kpi="compute_ondemand_coverage")["data"]
    expected = {p: (n, d) for p, n, d in mart(
        "select billing_period, sum(numerator), sum(denominator) from marts.fct_kpi_tracker "
        "where kpi_id = 'compute_ondemand_coverage' group by 1")}
    assert len(rows) == len(expected) > 0
    for row in rows:
        numerator, denominator = expected[row["billing_period"]]
        assert close(row["numerator"], numerator) and close(row["denominator"], denominator)
        assert close(row["coverage"], float(numerator) / float(denominator) if denominator else None)

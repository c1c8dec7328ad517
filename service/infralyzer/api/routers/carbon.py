"""Carbon: the footprint per month, account, region and service next to its cost, and restatements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from infralyzer.api.common import (
    AccountRegionFilters, FormatParam, Pagination, allowed_values, choice_list, mart_rows, split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/carbon", tags=["carbon"], responses=TABULAR_RESPONSES)

# carbon_status of fct_carbon_emissions (its accepted_values test)
CARBON_STATUSES = ("delivered", "not_yet_delivered", "not_delivered")
StatusValues = choice_list(*CARBON_STATUSES)

ProductCodeParam = Annotated[list[str] | None, Query(alias="product_code", max_length=500,
                                                     description="AWS product codes (e.g. AmazonEC2); repeat or "
                                                                 "comma-separate.")]


@router.get("/emissions", summary="Carbon footprint next to cost per month, account, region and service "
                                  "(fct_carbon_emissions)")
def emissions(
    ctx: Context, request: Request, f: AccountRegionFilters, p: Pagination, product_code: ProductCodeParam = None,
    status: Annotated[StatusValues | None,
                      Query(max_length=10,
                            description="carbon_status: delivered, not_yet_delivered (the export lags; emissions "
                                        "null, not 0) or not_delivered; repeat or comma-separate.")] = None,
    fmt: FormatParam = None,
) -> Response:
    """Latest model version of each month, MTCO2e; ratios are the row's: roll up with the carbon
    metrics (carbon_per_dollar, ...), which divide sums."""
    return mart_rows(ctx, request, fmt, "fct_carbon_emissions", f, p,
                     ["billing_period", "-total_mbm_emissions_mtco2e", "usage_account_id"],
                     extra_in={"product_code": split_values(product_code),
                               "carbon_status": allowed_values("status", status, CARBON_STATUSES)})


@router.get("/restatements", summary="How much restated months changed the footprint (fct_carbon_restatements)")
def restatements(ctx: Context, request: Request, f: AccountRegionFilters, p: Pagination,
                 product_code: ProductCodeParam = None, fmt: FormatParam = None) -> Response:
    """Per restated month, account, region and service: the previous model version's emissions, the
    latest's and the change."""
    return mart_rows(ctx, request, fmt, "fct_carbon_restatements", f, p,
                     ["billing_period", "total_mbm_emissions_change_mtco2e", "usage_account_id"],
                     extra_in={"product_code": split_values(product_code)})

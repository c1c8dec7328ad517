"""Liveness and freshness: which snapshot is served, when it was built, its newest billing period."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from infralyzer.api.deps import Snapshot

router = APIRouter(tags=["health"])


class Freshness(BaseModel):
    snapshot: str
    built_at: datetime | None  # None only on Athena when Glue knows none of the marts' tables
    newest_billing_period: str | None
    table_count: int


class Health(BaseModel):
    status: str
    freshness: Freshness


@router.get("/health", response_model=Health, summary="Served snapshot and its freshness")
def health(snapshot: Snapshot) -> Health:
    _, info = snapshot
    return Health(
        status="ok",
        freshness=Freshness(
            snapshot=info.path.name,
            built_at=info.built_at,
            newest_billing_period=info.newest_billing_period,
            table_count=info.table_count,
        ),
    )

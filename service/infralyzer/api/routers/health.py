"""Liveness and freshness: which snapshot is served, when it was built, its newest billing period,
and per export type its newest period and delivery, flagged stale past Settings.source_stale_after_hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel

from infralyzer.api.backends import Session
from infralyzer.api.deps import MartsSession
from infralyzer.api.formats import as_utc
from infralyzer.settings import Settings

router = APIRouter(tags=["health"])

# the served marts' record of the deliveries they were built from
SOURCES_SQL = """
select
    export_type,
    max(billing_period) as newest_billing_period,
    max(delivered_at) as delivered_at
from marts.fct_export_deliveries
group by export_type
order by export_type
"""


class Freshness(BaseModel):
    snapshot: str
    built_at: datetime | None  # UTC, with its offset; None only on Athena when Glue knows none of the marts' tables
    newest_billing_period: str | None
    table_count: int


class SourceFreshness(BaseModel):
    export_type: str
    newest_billing_period: str | None
    delivered_at: datetime | None  # UTC
    is_stale: bool  # the newest delivery is older than the type's source_stale_after_hours


class Health(BaseModel):
    status: str
    freshness: Freshness
    sources: list[SourceFreshness]


def source_freshness(session: Session, settings: Settings, now: datetime) -> list[SourceFreshness]:
    columns = session.catalog.columns.get("fct_export_deliveries", ())
    if "export_type" not in columns:  # a snapshot published before export types were recognised
        return []
    # Once per marts version (a snapshot, or one Athena catalog refresh): a health probe every few
    # seconds must not start an Athena query each time.
    rows = session.handle.cache.get("source_freshness")
    if rows is None:
        if session.engine is not None:
            rows = session.engine.run_sql(SOURCES_SQL, {}, settings.sql_timeout_seconds).to_pylist()
        else:
            rows = session.cursor.execute(SOURCES_SQL).to_arrow_table().to_pylist()
        session.handle.cache["source_freshness"] = rows
    sources = []
    for row in rows:
        delivered_at = row["delivered_at"]
        limit = settings.source_stale_after_hours.get(row["export_type"])
        stale = delivered_at is None or (limit is not None and now - delivered_at > timedelta(hours=limit))
        sources.append(SourceFreshness(**{**row, "delivered_at": as_utc(delivered_at)}, is_stale=stale))
    return sources


@router.get("/health", response_model=Health, summary="Served snapshot, its freshness and each source's")
def health(session: MartsSession, request: Request) -> Health:
    info = session.handle.info
    settings: Settings = request.app.state.settings
    sources = source_freshness(session, settings, datetime.now(UTC).replace(tzinfo=None))
    return Health(
        status="ok",  # liveness: a stale source is flagged in `sources`, the API still serves
        freshness=Freshness(
            snapshot=info.path.name,
            built_at=as_utc(info.built_at),
            newest_billing_period=info.newest_billing_period,
            table_count=info.table_count,
        ),
        sources=sources,
    )

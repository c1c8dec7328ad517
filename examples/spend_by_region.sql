-- Effective (amortised) spend by region and service group in one billing period, with each
-- region's share of the period's total. Run it with
--   infralyzer query -f examples/spend_by_region.sql -p period=2026-09
-- or from Python: connect().sql_file("examples/spend_by_region.sql", {"period": "2026-09"}).
with spend as (
    select
        s.region,
        coalesce(d.commit_service_group, 'Other') as service_group,
        sum(s.amortized_cost) as amortized_cost
    from marts.fct_spend_monthly as s
    left join marts.dim_services as d
        on s.service = d.service
    where s.billing_period = $period
    group by all
)

select
    region,
    service_group,
    amortized_cost,
    amortized_cost / sum(amortized_cost) over () as share_of_period
from spend
order by amortized_cost desc

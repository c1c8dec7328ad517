{{ config(materialized='table') }}
{#-
    Who owns each aggregated cost row: every allocation dimension (macros/allocation) as real
    columns, resolved by the taxonomy merge (docs/cost_rules.md). Each dimension has an ordered
    list of sources in seeds/allocation_tag_keys.csv (resource tag, account tag, cost category,
    account map column); the first source with a non-empty value wins (an empty or blank string
    counts as empty), and the value is canonicalised through seeds/allocation_value_aliases.csv
    (case-insensitive). No source: 'unallocated', source 'none'.

    Per dimension: `<dim>` (canonical value), `<dim>_source` (which source type gave it) and, for
    tag compliance, `<dim>_tag_key` / `<dim>_tag_value`: the first resource tag of the dimension
    present on the row (whatever won the merge) and its raw value.

    Grain: billing period, payer, usage account, service, region, charge class, resource id and
    the dimension columns. Works on the aggregate (int_allocation_costs_aggregated), never on
    line items: rows × seed rows stays small, and every seed change applies on the next build.
-#}
{%- set dimensions = allocation_dimensions() %}
with costs as (

    select * from {{ ref('int_allocation_costs_aggregated') }}

),

accounts as (

    select * from {{ ref('int_accounts_by_billing_period') }}

),

account_values as (

    select * from {{ ref('int_account_allocation_values') }}

),

tag_keys as (

    select * from {{ ref('allocation_tag_keys') }}

),

aliases as (

    {{ canonical_value_aliases() }}

),

-- sources read from the row's own maps
map_candidates as (

    select
        costs.billing_period,
        costs.cost_row_id,
        tag_keys.dimension,
        tag_keys.priority,
        tag_keys.source_type,
        tag_keys.source_key,
        {{ empty_as_null(
            "case tag_keys.source_type when 'resource_tag' then " ~ map_value('costs.resource_tags', 'tag_keys.source_key')
            ~ " when 'cost_category' then " ~ map_value('costs.cost_categories', 'tag_keys.source_key') ~ " end"
        ) }} as source_value
    from costs
    cross join tag_keys
    where tag_keys.source_type in ('resource_tag', 'cost_category')

),

-- sources that belong to the usage account (account tags, account map)
account_candidates as (

    select
        costs.billing_period,
        costs.cost_row_id,
        tag_keys.dimension,
        tag_keys.priority,
        tag_keys.source_type,
        tag_keys.source_key,
        account_values.source_value
    from costs
    inner join account_values
        on
            costs.billing_period = account_values.billing_period
            and costs.usage_account_id = account_values.account_id
    inner join tag_keys
        on
            account_values.source_type = tag_keys.source_type
            and account_values.source_key = tag_keys.source_key

),

candidates as (

    select * from map_candidates
    where source_value is not null
    union all
    select * from account_candidates
    where source_value is not null

),

ranked as (

    select
        candidates.billing_period,
        candidates.cost_row_id,
        candidates.dimension,
        candidates.source_type,
        candidates.source_key,
        candidates.source_value,
        coalesce(aliases.canonical_value, candidates.source_value) as canonical_value,
        -- the taxonomy merge: lowest priority wins
        row_number() over (
            partition by candidates.billing_period, candidates.cost_row_id, candidates.dimension
            order by candidates.priority, candidates.source_type, candidates.source_key
        ) as merge_rank,
        -- the first resource tag of the dimension, for compliance
        row_number() over (
            partition by candidates.billing_period, candidates.cost_row_id, candidates.dimension, candidates.source_type
            order by candidates.priority, candidates.source_key
        ) as source_type_rank
    from candidates
    left join aliases
        on
            candidates.dimension = aliases.dimension
            and lower(candidates.source_value) = aliases.raw_value_key

),

resolved as (

    select
        {%- for dimension in dimensions %}
        max(case when dimension = '{{ dimension }}' and merge_rank = 1 then canonical_value end) as {{ dimension }},
        max(case when dimension = '{{ dimension }}' and merge_rank = 1 then source_type end) as {{ dimension }}_source,
        max(
            case when dimension = '{{ dimension }}' and source_type = 'resource_tag' and source_type_rank = 1 then source_key end
        ) as {{ dimension }}_tag_key,
        max(
            case when dimension = '{{ dimension }}' and source_type = 'resource_tag' and source_type_rank = 1 then source_value end
        ) as {{ dimension }}_tag_value,
        {%- endfor %}
        billing_period,
        cost_row_id
    from ranked
    group by billing_period, cost_row_id

),

tagged as (

    select
        costs.billing_period,
        costs.payer_account_id,
        costs.usage_account_id,
        accounts.account_name as usage_account_name,
        costs.service,
        costs.region,
        costs.charge_class,
        costs.resource_id,
        {%- for dimension in dimensions %}
        coalesce(resolved.{{ dimension }}, {{ unallocated_value() }}) as {{ dimension }},
        coalesce(resolved.{{ dimension }}_source, 'none') as {{ dimension }}_source,
        resolved.{{ dimension }}_tag_key,
        resolved.{{ dimension }}_tag_value,
        {%- endfor %}
        {%- for basis in cost_basis_columns() %}
        costs.{{ basis }},
        {%- endfor %}
        costs.line_item_count
    from costs
    left join resolved
        on
            costs.billing_period = resolved.billing_period
            and costs.cost_row_id = resolved.cost_row_id
    left join accounts
        on
            costs.billing_period = accounts.billing_period
            and costs.usage_account_id = accounts.account_id

),

-- rows whose maps differ only in keys no dimension reads collapse here
final as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        region,
        charge_class,
        resource_id,
        {%- for dimension in dimensions %}
        {{ dimension }},
        {{ dimension }}_source,
        {{ dimension }}_tag_key,
        {{ dimension }}_tag_value,
        {%- endfor %}
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        sum(line_item_count) as line_item_count
    from tagged
    group by
        {%- for dimension in dimensions %}
        {{ dimension }},
        {{ dimension }}_source,
        {{ dimension }}_tag_key,
        {{ dimension }}_tag_value,
        {%- endfor %}
        billing_period,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        region,
        charge_class,
        resource_id

)

select * from final

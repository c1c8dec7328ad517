{#-
    The CUR line items as FOCUS 1.2 charge rows (docs/focus.md, 'Rows'), before FOCUS naming: one
    row per line item of int_line_items_amortized (split-cost child rows are already out: they
    repeat their parent instance's cost) except Savings Plan negations, which FOCUS folds into the
    covered usage, plus one Unused row for every commitment fee line with unused commitment.
    Grain: billing_period + line_item_id + is_unused_commitment.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}

),

-- each line item is read once and gives its charge row and, for a fee line with unused
-- commitment, the Unused row: the amortised cost the rule leaves on the fee line
-- (macros/cost/cost_bases.sql) is the commitment nobody used
row_kinds as (

    select kinds.is_unused_commitment from (values (false), (true)) as kinds (is_unused_commitment)

),

charges as (

    select
        line_items.*,
        row_kinds.is_unused_commitment
    from line_items
    cross join row_kinds
    where
        (not row_kinds.is_unused_commitment and line_items.line_item_type != 'SavingsPlanNegation')
        or (
            row_kinds.is_unused_commitment
            and line_items.charge_class = 'commitment_fee'
            and line_items.amortized_cost != 0
        )

),

classified as (

    select
        *,
        {{ focus_charge_category() }} as charge_category,
        {{ focus_charge_class() }} as focus_charge_class,
        {{ focus_charge_frequency() }} as charge_frequency,
        {{ focus_pricing_category() }} as pricing_category,
        {{ focus_commitment_discount_status() }} as commitment_discount_status,
        {{ money(focus_billed_cost()) }} as billed_cost,
        {{ money(focus_effective_cost()) }} as effective_cost,
        {{ money(focus_list_cost()) }} as list_cost
    from charges

)

select * from classified

{#-
    The cost of a CUR 2.0 line item under each basis, written once (docs/cost_rules.md, 'Cost bases').
    Every model that needs a basis calls these macros on stg_aws_cur__line_items columns.

    unblended        what the invoice bills for the line (line_item_unblended_cost)
    amortized        CID's amortised cost = FOCUS EffectiveCost: commitments are spread over the
                     usage they cover; fee rows keep only the *unused* commitment; SP negations,
                     SP upfront fees, RI upfront fees (Fee with an RI ARN) and the refund of an SP
                     upfront fee are 0
    net_unblended    after negotiated discounts (EDP, PPA, bundled ...): line_item_net_unblended_cost;
                     the discount line items are 0 because their effect is already in the net_*
                     columns of the lines they discount
    net_amortized    amortized with the net twin of every column; unlike CID, the unused part of a
                     Savings Plan recurring fee is netted too (CID leaves it gross): it is scaled by
                     the plan's net-to-gross commitment ratio for the period
    public           public on-demand (list) cost; 0 on SP negations, which would cancel the
                     covered usage's list cost

    Where a net twin is NULL (accounts without negotiated discounts) the gross value is used.
-#}

{#- The five bases, as the column names every spend model uses for them. -#}
{% macro cost_basis_columns() -%}
    {{ return(['unblended_cost', 'amortized_cost', 'net_unblended_cost', 'net_amortized_cost', 'public_on_demand_cost']) }}
{%- endmacro %}

{% macro discount_line_item_types() -%}
    ('EdpDiscount', 'BundledDiscount', 'PrivateRateDiscount', 'Discount', 'SppDiscount', 'DistributorDiscount')
{%- endmacro %}

{#- True for the refund of a Savings Plan's one-time (upfront) fee, which amortisation zeroes
    like the fee itself. -#}
{% macro is_savings_plan_upfront_refund() -%}
    (line_item_type = 'Refund'
        and product_code = 'ComputeSavingsPlans'
        and line_item_description like 'Refund for one-time fee for Savings Plan ID%')
{%- endmacro %}

{#- The commitment a Savings Plan fee line paid for but did not use, and the unused part of an
    RI's fees (amortised upfront + recurring) on its RIFee line. -#}
{% macro savings_plan_unused_commitment() -%}
    (coalesce(savings_plan_total_commitment_to_date, 0) - coalesce(savings_plan_used_commitment, 0))
{%- endmacro %}

{% macro reservation_unused_fee() -%}
    (coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0) + coalesce(reservation_unused_recurring_fee, 0))
{%- endmacro %}

{% macro unblended_cost() -%}
    coalesce(unblended_cost, 0)
{%- endmacro %}

{% macro amortized_cost() -%}
    case
        when line_item_type = 'SavingsPlanCoveredUsage'
            then coalesce(savings_plan_effective_cost, 0)
        when line_item_type = 'SavingsPlanRecurringFee'
            then {{ savings_plan_unused_commitment() }}
        when line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee')
            then 0
        when line_item_type = 'DiscountedUsage'
            then coalesce(reservation_effective_cost, 0)
        when line_item_type = 'RIFee'
            then {{ reservation_unused_fee() }}
        when line_item_type = 'Fee' and reservation_arn is not null
            then 0
        when {{ is_savings_plan_upfront_refund() }}
            then 0
        else coalesce(unblended_cost, 0)
    end
{%- endmacro %}

{% macro net_unblended_cost() -%}
    case
        when line_item_type in {{ discount_line_item_types() }} then 0
        else coalesce(net_unblended_cost, unblended_cost, 0)
    end
{%- endmacro %}

{% macro net_amortized_cost() -%}
    case
        when line_item_type = 'SavingsPlanCoveredUsage'
            then coalesce(savings_plan_net_effective_cost, savings_plan_effective_cost, 0)
        when line_item_type = 'SavingsPlanRecurringFee'
            then {{ money(savings_plan_unused_commitment() ~ ' * ' ~ savings_plan_net_commitment_ratio()) }}
        when line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee')
            then 0
        when line_item_type = 'DiscountedUsage'
            then coalesce(reservation_net_effective_cost, reservation_effective_cost, 0)
        when line_item_type = 'RIFee'
            then coalesce(
                reservation_net_unused_amortized_upfront_fee_for_billing_period,
                reservation_unused_amortized_upfront_fee_for_billing_period,
                0
            )
            + coalesce(reservation_net_unused_recurring_fee, reservation_unused_recurring_fee, 0)
        when line_item_type = 'Fee' and reservation_arn is not null
            then 0
        when {{ is_savings_plan_upfront_refund() }}
            then 0
        when line_item_type in {{ discount_line_item_types() }}
            then 0
        else coalesce(net_unblended_cost, unblended_cost, 0)
    end
{%- endmacro %}

{#- Net ÷ gross commitment of a Savings Plan fee row (1 when there is no net twin). -#}
{% macro savings_plan_net_commitment_ratio() -%}
    case
        when savings_plan_net_amortized_upfront_commitment_for_billing_period is null
            and savings_plan_net_recurring_commitment_for_billing_period is null
            then 1
        else coalesce(
        (coalesce(savings_plan_net_amortized_upfront_commitment_for_billing_period, 0)
            + coalesce(savings_plan_net_recurring_commitment_for_billing_period, 0))
        / nullif(
            coalesce(savings_plan_amortized_upfront_commitment_for_billing_period, 0)
            + coalesce(savings_plan_recurring_commitment_for_billing_period, 0),
            0
        ),
        1
    ) end
{%- endmacro %}

{% macro public_on_demand_cost() -%}
    case
        when line_item_type = 'SavingsPlanNegation' then 0
        else coalesce(public_on_demand_cost, 0)
    end
{%- endmacro %}

{#- On-demand-equivalent cost (CID's `adjusted_amortized_cost`, docs/cost_rules.md): what the line
    would have cost without commitments or Spot. Public on-demand cost for commitment-covered
    usage and for Spot usage (when AWS gives one), the unused commitment on fee lines (it was paid
    and bought nothing), 0 on SP negations and upfront purchases (their cost is in the covered
    usage), unblended otherwise. Realised savings = this − amortized on RI/SP/Spot lines. -#}
{% macro on_demand_equivalent_cost() -%}
    case
        when line_item_type in ('SavingsPlanCoveredUsage', 'DiscountedUsage')
            then coalesce(public_on_demand_cost, 0)
        when line_item_type = 'Usage' and purchase_option = 'Spot' and public_on_demand_cost > 0
            then public_on_demand_cost
        when line_item_type = 'SavingsPlanRecurringFee'
            then {{ savings_plan_unused_commitment() }}
        when line_item_type = 'RIFee'
            then {{ reservation_unused_fee() }}
        when line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee')
            then 0
        when line_item_type = 'Fee' and reservation_arn is not null
            then 0
        when {{ is_savings_plan_upfront_refund() }}
            then 0
        else coalesce(unblended_cost, 0)
    end
{%- endmacro %}

{#- The forecasts fct_spend_forecasts publishes, per engine: statsforecast's where dbt runs Python
    models in-process (DuckDB), the SQL seasonal-naive method elsewhere (Athena, Trino), where
    int_spend_forecasts_statsforecast is disabled. The one macro that names a model, because the
    choice of model is the engine difference (docs/forecasting.md, 'Engines'). -#}
{% macro spend_forecast_method() %}
    {{ return(adapter.dispatch('spend_forecast_method', 'infralyzer')()) }}
{% endmacro %}

{% macro duckdb__spend_forecast_method() -%}
    {{ ref('int_spend_forecasts_statsforecast') }}
{%- endmacro %}

{% macro default__spend_forecast_method() -%}
    {{ ref('int_spend_forecasts_seasonal_naive') }}
{%- endmacro %}

{#- The forecasts fct_spend_forecasts publishes, per engine: statsforecast's where dbt runs Python
    models in-process (DuckDB), the SQL seasonal-naive method elsewhere (Athena, Trino), where
    int_spend_forecasts_statsforecast is disabled. The one macro that names a model, because the
    choice of model is the engine difference (docs/forecasting.md, 'Engines').
    On DuckDB the var spend_forecast_method = 'seasonal_naive_sql' publishes the SQL method too:
    the Trino tests compare Trino's SQL forecasts with DuckDB's build of the same SQL. -#}
{% macro spend_forecast_method() %}
    {{ return(adapter.dispatch('spend_forecast_method', 'infralyzer')()) }}
{% endmacro %}

{% macro duckdb__spend_forecast_method() -%}
    {%- if var('spend_forecast_method', 'statsforecast') == 'seasonal_naive_sql' -%}
        {{ ref('int_spend_forecasts_seasonal_naive') }}
    {%- else -%}
        {{ ref('int_spend_forecasts_statsforecast') }}
    {%- endif -%}
{%- endmacro %}

{% macro default__spend_forecast_method() -%}
    {{ ref('int_spend_forecasts_seasonal_naive') }}
{%- endmacro %}

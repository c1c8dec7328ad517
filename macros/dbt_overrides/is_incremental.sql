{#- dbt's is_incremental() asks the warehouse whether the model exists, which needs AWS on
    Athena. For the offline portability check (INFRALYZER_OFFLINE_COMPILE=1) the answer comes from
    INFRALYZER_COMPILE_INCREMENTAL instead, so both branches of every model can be compiled. -#}
{% macro is_incremental() %}
    {%- if env_var('INFRALYZER_OFFLINE_COMPILE', '0') == '1' -%}
        {{ return(env_var('INFRALYZER_COMPILE_INCREMENTAL', '0') == '1') }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}

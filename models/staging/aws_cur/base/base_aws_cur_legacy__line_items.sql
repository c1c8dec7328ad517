{#-
    One row per legacy CUR (CUR 1.0) line item, in the columns of the CUR 2.0 source plus
    billing_period and export_name (grain: export_name + billing_period + identity_line_item_id),
    so that stg_aws_cur__line_items reads legacy reports and CUR 2.0 exports alike.

    The legacy columns are mapped to CUR 2.0 names and maps when they are landed
    (legacy_cur_select in macros/sources/land_legacy_cur.sql): a report's columns are known only
    when its files are read. What legacy CUR does not hold is decided here.
-#}
with source as (

    {{ legacy_cur_line_items() }}

),

renamed as (

    -- the CUR 2.0 columns; `tags` is the resource tags: legacy CUR has no account or IAM principal tags
    select
        {%- for column in source_columns('aws_cur', 'cur2') %}
        {{ 'resource_tags as tags' if column.name == 'tags' else column.name }},
        {%- endfor %}
        billing_period,
        -- the legacy report's name
        export_name

    from source

)

select * from renamed

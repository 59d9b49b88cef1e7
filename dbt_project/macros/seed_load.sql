{#
  dbt-duckdb's seed loader pastes the seed file's path into COPY ... FROM '<path>' unquoted, so
  a project under a folder such as /home/o'brien/ fails with a parser error. Same statement,
  with the path quoted as a SQL string literal (issue 14).
#}
{% macro duckdb__load_csv_rows(model, agate_table) %}
    {% if config.get('fast', true) %}
        {% set seed_file_path = adapter.get_seed_file_path(model) %}
        {% set delimiter = config.get('delimiter', ',') %}
        {% set sql %}
          COPY {{ this.render() }} FROM '{{ seed_file_path | replace("'", "''") }}' (FORMAT CSV, HEADER TRUE, DELIMITER '{{ delimiter | replace("'", "''") }}')
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {{ return(sql) }}
    {% endif %}
    {{ return(default__load_csv_rows(model, agate_table)) }}
{% endmacro %}

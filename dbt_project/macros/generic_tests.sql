{#- Small generic tests in the spirit of dbt_utils, written here because dbt's package hub is
    not reachable from every machine that builds this project (installs come from PyPI only). -#}

{#- The given columns together identify a row. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Every non-null value lies in [min_value, max_value] and is not NaN. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and (
    isnan({{ column_name }}::double)
    {%- if min_value is not none %}
    or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
    or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
    {%- endif %}
  )
{% endtest %}

{#- The model has at least `min_rows` rows (an empty mart is a broken mart). -#}
{% test min_row_count(model, min_rows=1) %}
select count(*) as n_rows
from {{ model }}
having count(*) < {{ min_rows }}
{% endtest %}

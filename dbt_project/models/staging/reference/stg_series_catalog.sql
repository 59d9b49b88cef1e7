-- The series catalog seed as models read it: every model selects the seed through this view,
-- so a renamed or retyped seed column is handled in one place.
select
    series_id,
    title,
    category,
    tenor_years,
    unit,
    frequency,
    role,
    valid_min,
    valid_max
from {{ ref('series_catalog') }}

-- The rolling_correlations mart (and what the regime and monitor models read). Trailing-window
-- co-movement of every non-equity asset with each equity asset: Pearson
-- correlation, beta (bond on equity = covar_samp / var_samp) and downside beta (the same on the
-- window's periods with a negative equity return). Windows (var rolling_correlation_windows): business days
-- on daily returns, months on complete monthly returns. A row exists for every date both
-- assets have a return row; the statistics are NULL (never NaN) until the window holds
-- `window_periods` periods with both returns (n_obs = window_periods). Methods:
-- docs/marts_returns.md. One pass per pair: window sums are differences of running sums.
-- Incremental: a run recomputes the as-of dates from the earliest day whose inputs changed (or
-- the trailing look-back) and replaces them, reading returns from six years before that day:
-- the longest window (756 business days, 60 months) lies well inside. macros/incremental.sql.
-- depends_on: {{ ref('int_observations_daily') }}
{{ config(**replace_from_config(
    'as_of_date', 'returns_refresh_from',
    ['as_of_date', 'frequency', 'window_periods', 'equity_asset_id', 'bond_asset_id'],
)) }}


{#- the windows, by frequency: dbt var rolling_correlation_windows (dbt_project.yml) -#}
{%- set windows = [] %}
{%- for frequency, lengths in var('rolling_correlation_windows').items() %}
    {%- for n in lengths %}{% do windows.append((frequency, n)) %}{% endfor %}
{%- endfor %}

with catalog as (
    select
        asset_id,
        asset_class = 'equity' as is_equity,
        row_number() over (order by asset_id)::bigint as asset_index
    from {{ ref('stg_asset_catalog') }}
),

all_returns as (
    select
        asset_id,
        'daily' as frequency,
        calendar_date as period_key,
        calendar_date as period_end,
        total_return
    from {{ ref('int_asset_returns_daily') }}
    union all
    select
        asset_id,
        frequency,
        period_key,
        period_end,
        -- only complete months count: a partial month is not comparable
        case when is_complete_period then total_return end as total_return
    from {{ ref('int_asset_returns_periodic') }}
    where frequency = 'monthly'
),

returns as (
    select * from all_returns
    {%- if is_incremental() %}
    where period_end >= {{ minus_months(replace_from_cutoff(returns_refresh_from()), 72) }}  -- noqa: LT02
    {%- endif %}
),

pairs as (
    select
        equity.frequency,
        greatest(equity.period_end, bond.period_end) as as_of_date,
        equity.asset_id as equity_asset_id,
        bond.asset_id as bond_asset_id,
        equity.total_return as equity_return,
        bond.total_return as bond_return,
        -- the windows' partition key as one integer (frequency, equity, bond): it sorts
        -- faster than three strings (a catalog of up to a million assets)
        (equity.frequency = 'monthly')::bigint * 1000000000000
        + equity_catalog.asset_index * 1000000
        + bond_catalog.asset_index as pair_index
    from returns as equity
    inner join catalog as equity_catalog
        on equity.asset_id = equity_catalog.asset_id and equity_catalog.is_equity
    inner join returns as bond
        on equity.frequency = bond.frequency and equity.period_key = bond.period_key
    inner join catalog as bond_catalog
        on bond.asset_id = bond_catalog.asset_id and not bond_catalog.is_equity
),

-- Running sums per pair (one O(n) pass): a window's sum is the running sum now minus the
-- running sum `n` rows back (window_sums). Only rows with both returns count; when the window
-- is full (n_obs = window_periods, the only case with statistics) every row has both, so these sums
-- give exactly the sample (co)variances of the window.
pair_values as (
    select
        frequency,
        as_of_date,
        equity_asset_id,
        bond_asset_id,
        pair_index,
        -- counts as doubles: DuckDB sums integers as HUGEINT, a fifth slower here
        (equity_return is not null and bond_return is not null)::double as has_both,
        case when bond_return is not null then coalesce(equity_return, 0) else 0 end as x,
        case when equity_return is not null then coalesce(bond_return, 0) else 0 end as y,
        coalesce(equity_return < 0 and bond_return is not null, false)::double as is_down
    from pairs
),

running as (
    select
        *,
        sum(has_both) over pair_order as cum_n,
        sum(x) over pair_order as cum_x,
        sum(y) over pair_order as cum_y,
        sum(x * y) over pair_order as cum_xy,
        sum(x * x) over pair_order as cum_xx,
        sum(y * y) over pair_order as cum_yy,
        sum(has_both * is_down) over pair_order as cum_dn,
        sum(x * is_down) over pair_order as cum_dx,
        sum(y * is_down) over pair_order as cum_dy,
        sum(x * y * is_down) over pair_order as cum_dxy,
        sum(x * x * is_down) over pair_order as cum_dxx,
        first_value(as_of_date) over pair_order as first_date,
        row_number() over pair_rows as row_index,
        lead(as_of_date) over pair_rows as next_date
    from pair_values
    window
        pair_order as (
            partition by pair_index
            order by as_of_date
            rows between unbounded preceding and current row
        ),
        -- the same order without a frame (Spark accepts none on row_number and lead)
        pair_rows as (
            partition by pair_index
            order by as_of_date
        )
),

-- the windows as rows, so one join finds every window's start (var rolling_correlation_windows)
window_lengths as (
    {%- for frequency, n in windows %}
        select
            '{{ frequency }}' as frequency,
            {{ n }} as window_periods
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- a window's sums: the running sums at the row minus those `window_periods` rows back (one hash
-- join on the row number for every window: about half the time of a lag() per window here)
window_sums as (
    select
        running.as_of_date,
        running.frequency,
        window_lengths.window_periods,
        running.equity_asset_id,
        running.bond_asset_id,
        {%- for k in ['n', 'x', 'y', 'xy', 'xx', 'yy', 'dn', 'dx', 'dy', 'dxy', 'dxx'] %}
        running.cum_{{ k }} - coalesce(earlier.cum_{{ k }}, 0) as s_{{ k }},  -- noqa: LT02
        {%- endfor %}
        running.cum_xx,
        running.cum_yy,
        running.cum_dxx,
        coalesce(earlier.next_date, running.first_date) as window_start_date
    from running
    inner join window_lengths on running.frequency = window_lengths.frequency
    left join running as earlier
        on
            running.pair_index = earlier.pair_index
            and running.row_index - window_lengths.window_periods = earlier.row_index
),

windowed as (
    select
        as_of_date,
        frequency,
        window_periods,
        equity_asset_id,
        bond_asset_id,
        window_start_date,
        s_n as n_obs,
        s_dn as n_downside_obs,
        (s_xy - s_x * s_y / s_n) / nullif(s_n - 1, 0) as covariance,
        (s_xx - s_x * s_x / s_n) / nullif(s_n - 1, 0) as equity_variance,
        (s_yy - s_y * s_y / s_n) / nullif(s_n - 1, 0) as bond_variance,
        (s_dxy - s_dx * s_dy / s_dn) / nullif(s_dn - 1, 0) as downside_covariance,
        (s_dxx - s_dx * s_dx / s_dn) / nullif(s_dn - 1, 0) as downside_equity_variance,
        -- a difference of running sums is not exactly 0 on a constant window: a variance
        -- below 1e-10 of the window's mean square counts as 0 (a real one is a sizeable
        -- fraction), and so does one below 1e-12 of the running sum of squares the window's
        -- was taken from (its rounding: a window of exact zeros, a bill at a 0 % yield, leaves
        -- a sum of squares of pure rounding, which the first rule alone would call variance)
        greatest(s_xx * 1e-10, cum_xx * 1e-12) / s_n as equity_variance_floor,
        greatest(s_yy * 1e-10, cum_yy * 1e-12) / s_n as bond_variance_floor,
        greatest(s_dxx * 1e-10, cum_dxx * 1e-12) / s_dn as downside_equity_variance_floor
    from window_sums
),

guarded as (
    select
        *,
        n_obs = window_periods as is_full,
        equity_variance > equity_variance_floor as equity_varies,
        bond_variance > bond_variance_floor as bond_varies,
        downside_equity_variance > downside_equity_variance_floor as downside_equity_varies,
        -- only where both vary: rounding can leave a constant window's variance just below 0
        case
            when equity_variance > equity_variance_floor and bond_variance > bond_variance_floor
                then covariance / sqrt(equity_variance * bond_variance)
        end as raw_correlation
    from windowed
)

select
    guarded.as_of_date::date as as_of_date,
    {{ cast('guarded.frequency', 'varchar') }} as frequency,
    guarded.window_periods::integer as window_periods,
    {{ cast('guarded.equity_asset_id', 'varchar') }} as equity_asset_id,
    {{ cast('guarded.bond_asset_id', 'varchar') }} as bond_asset_id,
    guarded.window_start_date::date as window_start_date,
    -- undefined (NULL) when either return is constant over the window
    (case
        when
            guarded.is_full
            and guarded.equity_varies
            and guarded.bond_varies
            and not isnan(guarded.raw_correlation)
            then greatest(-1.0, least(1.0, guarded.raw_correlation))
    end)::double as correlation,  -- noqa: RF04
    (case
        when guarded.is_full and guarded.equity_varies
            then guarded.covariance / guarded.equity_variance
    end)::double as beta,
    (case
        when
            guarded.is_full
            and guarded.n_downside_obs >= 2
            and guarded.downside_equity_varies
            then guarded.downside_covariance / guarded.downside_equity_variance
    end)::double as downside_beta,
    guarded.n_obs::integer as n_obs,
    guarded.n_downside_obs::integer as n_downside_obs,
    {{ build_timestamp() }} as built_at{{ replace_from_partition_column('guarded.as_of_date') }}  -- noqa: LT02
from guarded
{%- if is_incremental() %}
where guarded.as_of_date >= {{ replace_from_cutoff(returns_refresh_from()) }}  -- noqa: LT02
{%- endif %}

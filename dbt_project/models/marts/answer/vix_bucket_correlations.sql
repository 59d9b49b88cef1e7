-- Conditional stock-bond correlation by the previous day's VIX close: one row per equity x
-- bond x era (var `answer_eras`) x VIX bucket (< 15, 15-20, 20-30, > 30). Daily total
-- returns of asset_returns; the bucket is the VIX at the close of the previous business day
-- (regime_daily), so the day's own move never sorts the day. VIX starts in 1990: earlier days
-- have no bucket and are left out. Methods: docs/marts_answer.md.
{{ config(contract={'enforced': true}) }}

with assets as (
    select
        asset_id,
        asset_class
    from {{ ref('stg_asset_catalog') }}
),

daily as (
    select
        asset_returns.asset_id,
        assets.asset_class,
        asset_returns.period_end,
        asset_returns.total_return
    from {{ ref('int_asset_returns') }} as asset_returns
    inner join assets on asset_returns.asset_id = assets.asset_id
    where
        asset_returns.frequency = 'daily'
        and asset_returns.is_complete_period
        and asset_returns.total_return is not null
        and not isnan(asset_returns.total_return)
),

vix as (
    select
        calendar_date,
        lag(vix) over (order by calendar_date) as previous_vix
    from {{ ref('int_regime_daily') }}
),

pairs as (
    select
        equity.asset_id as equity_asset_id,
        bond.asset_id as bond_asset_id,
        equity.period_end,
        equity.total_return as stock_return,
        bond.total_return as bond_return,
        vix.previous_vix,
        case
            when vix.previous_vix < 15 then '< 15'
            when vix.previous_vix < 20 then '15-20'
            when vix.previous_vix <= 30 then '20-30'
            when vix.previous_vix > 30 then '> 30'
        end as vix_bucket,
        case
            when vix.previous_vix < 15 then 1
            when vix.previous_vix < 20 then 2
            when vix.previous_vix <= 30 then 3
            when vix.previous_vix > 30 then 4
        end as vix_bucket_order
    from daily as equity
    inner join daily as bond on equity.period_end = bond.period_end
    inner join vix on equity.period_end = vix.calendar_date
    where
        equity.asset_class = 'equity'
        and bond.asset_class <> 'equity'
        and vix.previous_vix is not null
),

eras as (
    select
        listed.era_order,
        listed.era,
        listed.era_start,
        listed.era_end
    from (
        values
        {% for era in var('answer_eras') -%}
            (
                {{ loop.index }}, '{{ era.name }}',
                {{ "date '" ~ era.start ~ "'" if era.start else 'null' }},
                {{ "date '" ~ era.end ~ "'" if era.end else 'null' }}
            ){{ ", " if not loop.last }}
        {%- endfor %}
    ) as listed (era_order, era, era_start, era_end)
),

aggregated as (
    select
        pairs.equity_asset_id,
        pairs.bond_asset_id,
        eras.era,
        eras.era_order,
        pairs.vix_bucket,
        pairs.vix_bucket_order,
        count(*) as days,  -- noqa: RF04
        count(*) filter (where pairs.stock_return < 0) as stock_down_days,
        count(*) filter (where pairs.stock_return < 0 and pairs.bond_return > 0) as bond_up_when_stock_down,
        corr(pairs.bond_return, pairs.stock_return) as raw_correlation,
        var_samp(pairs.stock_return) as stock_variance,
        var_samp(pairs.bond_return) as bond_variance,
        regr_slope(pairs.bond_return, pairs.stock_return) as raw_beta,
        avg(pairs.previous_vix) as mean_previous_vix,
        min(pairs.period_end) as first_day,
        max(pairs.period_end) as last_day
    from pairs
    inner join eras
        on
            (eras.era_start is null or pairs.period_end >= eras.era_start)
            and (eras.era_end is null or pairs.period_end <= eras.era_end)
    group by all
)

select
    {{ cast('aggregated.equity_asset_id', 'varchar') }} as equity_asset_id,
    {{ cast('aggregated.bond_asset_id', 'varchar') }} as bond_asset_id,
    {{ cast('aggregated.era', 'varchar') }} as era,
    aggregated.era_order::integer as era_order,
    {{ cast('aggregated.vix_bucket', 'varchar') }} as vix_bucket,
    aggregated.vix_bucket_order::integer as vix_bucket_order,
    aggregated.days::bigint as days,  -- noqa: RF04
    aggregated.stock_down_days::bigint as stock_down_days,
    aggregated.bond_up_when_stock_down::bigint as bond_up_when_stock_down,
    (aggregated.bond_up_when_stock_down::double / nullif(aggregated.stock_down_days, 0))::double
        as hit_rate,
    ({{ guarded_correlation(
        'aggregated.days', 'aggregated.stock_variance', 'aggregated.bond_variance',
        'aggregated.raw_correlation') }})::double as correlation,  -- noqa: RF04
    ({{ guarded_beta('aggregated.days', 'aggregated.stock_variance', 'aggregated.raw_beta') }})::double
        as beta,
    aggregated.mean_previous_vix::double as mean_previous_vix,
    aggregated.first_day::date as first_day,
    aggregated.last_day::date as last_day,
    {{ data_source() }}
from aggregated

-- Flight-to-quality vs "sell America" days, per year.
-- Flight to quality: stocks drop hard in a stressed market and Treasuries rally (bonds hedge).
-- Sell America: stocks fall, the 10-year yield rises and the dollar falls on the same day
-- (bonds sell off with stocks). NULL counts mean the input was missing (no dollar index
-- before 2006 or in sources without DTWEXBGS).
select
    year(calendar_date) as year,
    count(*) as business_days,
    count(*) filter (where spx_return_1d < 0) as sp500_down_days,
    count(*) filter (where flight_to_quality_day) as flight_to_quality_days,
    count(*) filter (where sell_america_day) as sell_america_days,
    count(sell_america_day) as days_with_sell_america_inputs,
    round(avg(correlation_252d), 3) as mean_correlation_252d,
    mode(hedge_regime) as most_common_hedge_regime,
    mode(inflation_regime) as most_common_inflation_regime,
    any_value(data_source) as data_source
from marts.regime_daily
group by year
order by year;

-- Current regime and what to watch.
-- One row from marts.hedge_monitor_latest: the latest day both the S&P 500 and the 10-year
-- yield printed, the regime labels, and the one-month (21 business day) changes that drive the
-- outlook. Watch the 10y real yield and breakeven changes: bonds have hedged best when real
-- yields fall with breakevens stable (outlook 'bonds likely hedge'), and worst when inflation
-- fears push breakevens and real yields up together ('hedge at risk').
select
    as_of_date,
    outlook,
    outlook_reason,
    hedge_regime_current,
    round(correlation_252d, 3) as correlation_252d,
    inflation_regime,
    round(cpi_yoy, 4) as cpi_yoy,
    policy_regime,
    fed_funds,
    fed_funds_change_1m,
    ust_10y_yield,
    ust_10y_yield_change_1m,
    real_yield_10y,
    real_yield_10y_change_1m,
    breakeven_10y,
    breakeven_10y_change_1m,
    curve_10y_2y,
    curve_inverted,
    credit_stress,
    hy_oas,
    vix,
    risk_off,
    round(spx_drawdown, 4) as spx_drawdown,
    missing_indicators,
    data_source
from marts.hedge_monitor_latest;

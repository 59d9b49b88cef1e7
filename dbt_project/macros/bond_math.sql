{#- Bond arithmetic for the return models, as SQL expressions (DOUBLE in, DOUBLE out).

    Conventions (see docs/marts_returns.md, `bond_return_method`):
    * yields and coupons are decimals (0.05 = 5 %), semiannual bond-equivalent basis;
    * a bond has `remaining_years` T to maturity and pays coupon/2 per 100 face at T, T - 0.5,
      T - 1, ... (every such time > 0) plus 100 at T, discounted at (1 + y/2)^(-2t);
    * n = ceil(2T) cash-flow dates remain; the next one falls at f = T - 0.5 (n - 1), in (0, 0.5];
    * the dirty (invoice) price is the exact sum of discounted cash flows, in closed form:
          dirty = 100 c/2 v^(2f) (1 - v^n) / (1 - v) + 100 v^(2T),   v = 1 / (1 + y/2)
      where the geometric factor is n when y = 0 (v = 1);
    * accrued interest = 100 c/2 (0.5 - f) / 0.5 (linear in time since the previous coupon
      date); clean price = dirty - accrued.

    Arguments are SQL expressions; they are repeated inside the result, so pass column names
    (compute complex inputs in an earlier CTE). Every macro yields NULL when an input is NULL
    or the bond has matured (T <= 0); yields at or below -200 % (no valid discount factor)
    give NULL too. -#}

{#- Discount factor per half-year, 1 / (1 + y/2); NULL when y <= -2. -#}
{% macro bond_half_year_discount(yield_) -%}
    (case when ({{ yield_ }}) > -2 then 1.0 / (1.0 + ({{ yield_ }}) / 2.0) end)
{%- endmacro %}

{#- Number of coupon dates left, ceil(2T). A tiny epsilon absorbs floating-point noise so that
    T = 10 (exactly on a coupon date) counts 20 dates, not 21. -#}
{% macro bond_coupons_remaining(remaining_years) -%}
    ceil(2.0 * ({{ remaining_years }}) - 1e-9)
{%- endmacro %}

{#- Years to the next coupon date, f = T - 0.5 (n - 1), in (0, 0.5]. -#}
{% macro bond_years_to_next_coupon(remaining_years) -%}
    (({{ remaining_years }}) - 0.5 * ({{ bond_coupons_remaining(remaining_years) }} - 1.0))
{%- endmacro %}

{#- Exact dirty price per 100 face of a semiannual bond (closed form of the cash-flow sum). -#}
{% macro bond_dirty_price(coupon, yield_, remaining_years) -%}
    {%- set v = bond_half_year_discount(yield_) -%}
    {%- set n = bond_coupons_remaining(remaining_years) -%}
    {%- set f = bond_years_to_next_coupon(remaining_years) -%}
    (case
        when ({{ remaining_years }}) > 0 and ({{ yield_ }}) > -2 then
            100.0 * ({{ coupon }}) / 2.0
            * power({{ v }}, 2.0 * {{ f }})
            * (case
                when abs(({{ yield_ }})) < 1e-12 then {{ n }}
                else (1.0 - power({{ v }}, {{ n }})) / (1.0 - {{ v }})
            end)
            + 100.0 * power({{ v }}, 2.0 * ({{ remaining_years }}))
    end)
{%- endmacro %}

{#- Accrued interest per 100 face: the coupon earned since the previous coupon date. -#}
{% macro bond_accrued_interest(coupon, remaining_years) -%}
    (case
        when ({{ remaining_years }}) > 0 then
            100.0 * ({{ coupon }}) / 2.0 * (0.5 - {{ bond_years_to_next_coupon(remaining_years) }}) / 0.5
    end)
{%- endmacro %}

{#- Clean (quoted) price per 100 face. -#}
{% macro bond_clean_price(coupon, yield_, remaining_years) -%}
    ({{ bond_dirty_price(coupon, yield_, remaining_years) }} - {{ bond_accrued_interest(coupon, remaining_years) }})
{%- endmacro %}

{#- Total return of a constant-maturity par bond held for `elapsed_years`:
    bought at yield y0 with coupon y0 and maturity M (dirty price P0 = 100 when M is a
    multiple of half a year), sold at yield y1 with maturity M - dt:
        total_return = dirty(c = y0, y1, M - dt) / dirty(c = y0, y0, M) - 1.
    Dividing by the purchase price (rather than 100) keeps M < 0.5 (the 3-month bill: one
    cash flow, a zero-coupon bill on the bond-equivalent basis) exact as well. -#}
{% macro par_bond_total_return(yield_start, yield_end, maturity_years, elapsed_years) -%}
    ({{ bond_dirty_price(yield_start, yield_end, '(' ~ maturity_years ~ ') - (' ~ elapsed_years ~ ')') }}
    / nullif({{ bond_dirty_price(yield_start, yield_start, maturity_years) }}, 0) - 1.0)
{%- endmacro %}

{#- The price part of that return: change in clean price over the purchase (dirty) price, so
    that total_return = price_return + coupon accrual (y0 * dt for M a multiple of 0.5). -#}
{% macro par_bond_price_return(yield_start, yield_end, maturity_years, elapsed_years) -%}
    (({{ bond_clean_price(yield_start, yield_end, '(' ~ maturity_years ~ ') - (' ~ elapsed_years ~ ')') }}
    - {{ bond_clean_price(yield_start, yield_start, maturity_years) }})
    / nullif({{ bond_dirty_price(yield_start, yield_start, maturity_years) }}, 0))
{%- endmacro %}

{#- Swinkels (2019, "Treasury bond return data starting in 1962", Data 4(3)) approximation,
    kept for comparison only (docs and tests); the models use the exact price above:
        R = y0 dt + y0/y1 (1 - (1 + y1/2)^(-2(M - dt))) + (1 + y1/2)^(-2(M - dt)) - 1. -#}
{% macro swinkels_bond_return(yield_start, yield_end, maturity_years, elapsed_years) -%}
    (case
        when ({{ yield_end }}) > -2 and ({{ maturity_years }}) - ({{ elapsed_years }}) > 0 then
            ({{ yield_start }}) * ({{ elapsed_years }})
            + (case
                when abs(({{ yield_end }})) < 1e-12
                    then ({{ yield_start }}) * (({{ maturity_years }}) - ({{ elapsed_years }}))
                else ({{ yield_start }}) / ({{ yield_end }})
                    * (1.0 - power(1.0 + ({{ yield_end }}) / 2.0, -2.0 * (({{ maturity_years }}) - ({{ elapsed_years }}))))
            end)
            + power(1.0 + ({{ yield_end }}) / 2.0, -2.0 * (({{ maturity_years }}) - ({{ elapsed_years }})))
            - 1.0
    end)
{%- endmacro %}

{#- Elapsed time in years between two dates: actual calendar days / 365.25. -#}
{% macro year_fraction(start_date, end_date) -%}
    {{ return(adapter.dispatch('year_fraction', 'bondhedge')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__year_fraction(start_date, end_date) -%}
    (date_diff('day', {{ start_date }}, {{ end_date }}) / 365.25)
{%- endmacro %}

{#- Spark: datediff gives an int, and int / 365.25 would be a 6-decimal number: double first. -#}
{% macro spark__year_fraction(start_date, end_date) -%}
    (cast(datediff({{ end_date }}, {{ start_date }}) as double) / 365.25)
{%- endmacro %}

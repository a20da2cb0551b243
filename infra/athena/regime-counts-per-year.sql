-- Regime counts per year: for each symbol and calendar year, how many gold days fell in each regime
-- and their share of that year's gold days.
SELECT
  symbol,
  year("date") AS calendar_year,
  regime,
  count(*) AS days,
  round(CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (PARTITION BY symbol, year("date")), 4) AS share
FROM gold
GROUP BY symbol, year("date"), regime
ORDER BY symbol, calendar_year, regime

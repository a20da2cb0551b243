-- High periods: every maximal run of the {{HIGH_LABEL}} regime in each symbol's gold rows, with its
-- first and last day, its length in gold rows (trading days) and whether it is still going on (it
-- ends on the symbol's newest day). Gaps and islands: within one symbol, consecutive rows of one
-- regime share the difference between their row number overall and their row number in that regime.
WITH numbered AS (
  SELECT
    symbol,
    "date",
    regime,
    row_number() OVER (PARTITION BY symbol ORDER BY "date")
      - row_number() OVER (PARTITION BY symbol, regime ORDER BY "date") AS island
  FROM gold
),
newest AS (
  SELECT symbol, max("date") AS last_date
  FROM gold
  GROUP BY symbol
)
SELECT
  n.symbol,
  min(n."date") AS start_date,
  max(n."date") AS end_date,
  count(*) AS days,
  max(n."date") = l.last_date AS ongoing
FROM numbered AS n
JOIN newest AS l ON l.symbol = n.symbol
WHERE n.regime = {{HIGH_LABEL}}
GROUP BY n.symbol, n.island, l.last_date
ORDER BY n.symbol, start_date

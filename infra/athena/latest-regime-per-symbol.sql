-- Latest regime per symbol: each symbol's newest gold day, its regime, how many days it has lasted
-- (regime_age, 1 on the day the regime was entered) and the risk score behind it.
SELECT
  symbol,
  "date",
  regime,
  regime_age,
  risk_score,
  price
FROM (
  SELECT
    symbol,
    "date",
    regime,
    regime_age,
    risk_score,
    price,
    row_number() OVER (PARTITION BY symbol ORDER BY "date" DESC) AS newest
  FROM gold
) AS ranked
WHERE newest = 1
ORDER BY symbol

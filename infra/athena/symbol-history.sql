-- One symbol's regime history, read from that symbol's partition only (the partition-projected
-- table: Athena lists and scans nothing else). The one parameter is the symbol as it appears in the
-- lake's keys (URL-encoded: SPX stays SPX, ^GSPC is %5EGSPC), a quoted string when run from the CLI.
SELECT
  "date",
  price,
  log_return,
  realized_vol_21d,
  drawdown,
  risk_score,
  regime,
  regime_age
FROM gold_by_symbol
WHERE symbol_key = ?
ORDER BY "date"

-- Data quality per symbol (silver): its date range, how many closes were forward-filled, and how many
-- days carry each quality flag (flags holds the flag names joined by '|', empty when none).
SELECT
  symbol,
  min("date") AS first_date,
  max("date") AS last_date,
  count(*) AS days,
  count_if(close_filled) AS closes_filled,
  count_if(coalesce(flags, '') <> '') AS flagged_days,
  count_if(strpos('|' || coalesce(flags, '') || '|', '|high_below_open_close|') > 0) AS high_below_open_close,
  count_if(strpos('|' || coalesce(flags, '') || '|', '|low_above_open_close|') > 0) AS low_above_open_close,
  count_if(strpos('|' || coalesce(flags, '') || '|', '|negative_volume|') > 0) AS negative_volume,
  count_if(strpos('|' || coalesce(flags, '') || '|', '|high_below_low|') > 0) AS high_below_low
FROM silver
GROUP BY symbol
ORDER BY symbol

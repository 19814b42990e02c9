-- One period's values in list order (issue 13). `GET /api/v1/values?period=…` and open data page
-- through one period in (indicator, region, id) order; with an index on the period alone the whole
-- period was read and sorted before the first page. This index gives the range in order, and also
-- serves every read that only filters by period, so the old one goes.
CREATE INDEX data_values_period_series ON data_values (period, indicator, region, id);
DROP INDEX data_values_period;

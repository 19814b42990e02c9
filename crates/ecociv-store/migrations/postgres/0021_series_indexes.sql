-- Reads that follow what a page shows (issue 13). The value list, the indicator page and the
-- cursor of `GET /api/v1/values` read in list order (indicator, region, period, id): one
-- indicator's series, or one region's, is a range of this index, not a scan of every value.
-- The partial unique indexes of 0001 do not serve them: a query must repeat their WHERE clause.
CREATE INDEX data_values_series ON data_values (indicator, region, period, id);
-- One region's values of some periods: a region's evaluation reads its annual values, not the
-- whole year's across the province.
CREATE INDEX data_values_region_period ON data_values (region, period);
-- The latest approvals (the dashboard): one action's newest rows, not a walk back through every
-- submission and comment.
CREATE INDEX reviews_action ON reviews (action, id);
-- The audit log filtered by who acted, newest first.
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
-- The annual values an evaluation reads, with the columns it reads: an index-only scan, since
-- annual rows lie scattered among a decade of monthly ones and fetching each from the heap was
-- most of an evaluation (PostgreSQL only: SQLite reads them in a few milliseconds without it).
CREATE INDEX data_values_annual ON data_values (period, id)
    INCLUDE (indicator, region, value, status, provenance_detail)
    WHERE length(period) = 4 AND superseded_by IS NULL;

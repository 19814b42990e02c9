-- The annual values an evaluation reads, in one covering index (issue 13; the SQLite counterpart
-- of PostgreSQL's `data_values_annual` of 0021). In a province of a decade of monthly and
-- quarterly rows, reading a year's annual values through `data_values_period_series` looked
-- each row up in the table; this partial index holds only live annual rows and every column the
-- evaluation's statement reads, so the read never touches the table. The statement repeats the
-- WHERE clause (`length(period) = 4`, `superseded_by IS NULL`), as SQLite requires.
CREATE INDEX data_values_annual ON data_values
    (period, indicator, region, status, id, value, provenance_detail)
    WHERE length(period) = 4 AND superseded_by IS NULL;

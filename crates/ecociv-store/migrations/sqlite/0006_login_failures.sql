-- Failed password attempts (logins and changes of one's own password) per account AND source, so
-- that guessing from one address locks that address out of the account, never the account for
-- everyone (issue 12). A source is the client address; an IPv6 address counts by its /64.
-- Transient like sessions: not audited as rows (the attempts are audit occurrences), not backed up.
CREATE TABLE login_failures (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source       TEXT    NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,  -- since the last success, lock or quiet period
    locked_until TEXT,                        -- this source may not try this account before then
    updated_at   TEXT    NOT NULL,            -- the last failure
    PRIMARY KEY (user_id, source)
);

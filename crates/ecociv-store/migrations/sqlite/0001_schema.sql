-- ecociv schema, SQLite flavour. The PostgreSQL file of the same number must describe the same
-- tables and columns: the store's SQL is portable and runs unchanged on both.
--
-- Conventions (see crates/ecociv-store/src/lib.rs):
--   * timestamps are TEXT in RFC 3339 UTC with microseconds ("2026-11-28T11:09:00.000000Z"), so
--     text order is time order on both backends;
--   * numbers people typed are TEXT (the exact decimal written), JSON is TEXT;
--   * flags are INTEGER 0/1 (the portable driver has no common boolean);
--   * every editable row has `version`, starting at 1 and bumped by every change (optimistic
--     concurrency: a write names the version it read and fails with a conflict otherwise).

-- One row: the head of the audit chain and the counters every write bumps. Taking this row for
-- update is how writers are serialized, so the audit chain can never fork.
CREATE TABLE store_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    generation       INTEGER NOT NULL,  -- bumped by every write: evaluation caches key on it
    model_generation INTEGER NOT NULL,  -- bumped when the plan, catalogue or settings change
    audit_seq        INTEGER NOT NULL,  -- sequence number of the last audit event (0: none)
    audit_hash       TEXT    NOT NULL   -- hash of the last audit event (64 zeros: none)
);
INSERT INTO store_state (id, generation, model_generation, audit_seq, audit_hash)
VALUES (1, 0, 0, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Key/value settings a coordinator controls (active catalogue version, …).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every plan TOML ever loaded; exactly one is active.
CREATE TABLE plan_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id      TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    source_name  TEXT    NOT NULL,  -- file name it was loaded from
    toml         TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    active       INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    loaded_by    TEXT    NOT NULL,
    loaded_at    TEXT    NOT NULL,
    activated_by TEXT,
    activated_at TEXT
);
CREATE UNIQUE INDEX plan_versions_one_active ON plan_versions (active) WHERE active = 1;

-- The national catalogue as TOML files: the indicator dictionary (kind 'dictionary') and one file
-- per version (kind 'version'), loaded in `position` order (a version may inherit an earlier one).
CREATE TABLE catalogue_files (
    name       TEXT PRIMARY KEY,   -- 'indicators' or the version id ('2019', '2021', '2024')
    kind       TEXT    NOT NULL CHECK (kind IN ('dictionary', 'version')),
    position   INTEGER NOT NULL,
    toml       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- Departments (单位), regions (行政区), indicators and targets of the active plan, rewritten when
-- a plan is activated so reports and SQL users can join on them.
CREATE TABLE units (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL,
    parent TEXT
);
CREATE TABLE indicators (
    code      TEXT PRIMARY KEY,
    name      TEXT    NOT NULL,
    unit      TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1))  -- visible to the public
);
CREATE TABLE targets (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    task      INTEGER NOT NULL,
    indicator TEXT    NOT NULL,
    region    TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    threshold TEXT    NOT NULL,  -- ecociv-core's threshold text form
    quote     TEXT    NOT NULL
);

-- Accounts. role: admin | coordinator | reporter | reviewer | viewer; reporters and reviewers are
-- bound to a unit (department) or a region (county), never both.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'coordinator', 'reporter', 'reviewer', 'viewer')),
    unit_code     TEXT,
    region_code   TEXT,
    password_hash TEXT    NOT NULL,  -- argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    CHECK (unit_code IS NULL OR region_code IS NULL)
);

-- Login sessions. Only the SHA-256 of the random token is stored: a leaked table opens nothing.
CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    idle_expires_at TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,   -- absolute
    client          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Reporting periods that were closed or published; a period without a row is open and unpublished.
CREATE TABLE periods (
    id         TEXT PRIMARY KEY,   -- '2024', '2024Q3', '2024-07'
    closed     INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    reason     TEXT    NOT NULL DEFAULT '',
    published  INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- Reported values. A key (indicator, region, period) has at most one live approved row and at most
-- one live row in work (draft, submitted, returned); an approved row is never edited again except
-- for `superseded_by`, set once when a correction of it is approved.
CREATE TABLE data_values (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator         TEXT    NOT NULL,
    region            TEXT    NOT NULL,
    period            TEXT    NOT NULL,
    value             TEXT    NOT NULL,  -- decimal text; yes/no indicators store 1 or 0
    comment           TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    version           INTEGER NOT NULL DEFAULT 1,
    correction        INTEGER NOT NULL DEFAULT 0,  -- 0: original; n: the n-th correction
    correction_reason TEXT    NOT NULL DEFAULT '',
    supersedes        INTEGER REFERENCES data_values (id),
    superseded_by     INTEGER REFERENCES data_values (id),
    provenance        TEXT    NOT NULL CHECK (provenance IN ('form', 'import', 'engine', 'demo')),
    provenance_detail TEXT    NOT NULL DEFAULT '',  -- file and row, or engine run
    return_reason     TEXT    NOT NULL DEFAULT '',
    created_by        TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_by        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE UNIQUE INDEX data_values_live_approved ON data_values (indicator, region, period)
    WHERE status = 'approved' AND superseded_by IS NULL;
CREATE UNIQUE INDEX data_values_live_work ON data_values (indicator, region, period)
    WHERE status <> 'approved' AND superseded_by IS NULL;
CREATE INDEX data_values_period ON data_values (period);

-- The review history of values and task updates: submit, approve, return, correct.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_kind TEXT    NOT NULL CHECK (entity_kind IN ('value', 'task_update')),
    entity_id   INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    at          TEXT    NOT NULL
);
CREATE INDEX reviews_entity ON reviews (entity_kind, entity_id);

-- Evidence files (台账, 佐证材料), content-addressed and kept inside the database so that a backup
-- of the database is a backup of the evidence.
CREATE TABLE evidence (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    content     BLOB    NOT NULL,
    uploaded_by TEXT    NOT NULL,
    uploaded_at TEXT    NOT NULL
);
CREATE TABLE evidence_links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256      TEXT    NOT NULL REFERENCES evidence (sha256),
    entity_kind TEXT    NOT NULL CHECK (entity_kind IN ('value', 'task_update')),
    entity_id   INTEGER NOT NULL,
    filename    TEXT    NOT NULL,
    linked_by   TEXT    NOT NULL,
    linked_at   TEXT    NOT NULL,
    UNIQUE (sha256, entity_kind, entity_id)
);
CREATE INDEX evidence_links_entity ON evidence_links (entity_kind, entity_id);

-- Progress reports on the plan's tasks (督办), one per task, unit and period.
CREATE TABLE task_updates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    task          INTEGER NOT NULL,
    unit_code     TEXT    NOT NULL,
    period        TEXT    NOT NULL,
    progress      TEXT    NOT NULL CHECK (progress IN ('not_started', 'in_progress', 'completed', 'delayed')),
    percent       INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    narrative     TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    return_reason TEXT    NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_by    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_by    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    UNIQUE (task, unit_code, period)
);

-- Targets assigned each year by the superior authority (上级下达目标), with the issuing document.
CREATE TABLE assigned_targets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator  TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    year       INTEGER NOT NULL,
    threshold  TEXT    NOT NULL,  -- a comparison or change in ecociv-core's syntax ('<= 45')
    document   TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (indicator, region, year)
);

-- The audit log: one event per change, hash-chained. hash = SHA-256 over the canonical
-- serialization of (seq, at, actor, action, entity, before, after, prev_hash); see audit.rs.
CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,   -- 'value:17', 'user:3', 'period:2024', …
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity);

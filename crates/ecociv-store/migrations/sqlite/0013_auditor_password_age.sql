-- Issue 12, item 13 (等级保护): the 审计管理员 role `auditor`, and when an account's own user last
-- chose its password (`password_changed_at`, NULL when someone else set it), for password expiry.
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt the documented way
-- (new table, copy, drop, rename). Dropping the old table removes the sessions that point to it
-- (ON DELETE CASCADE): after this upgrade everybody signs in again.
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'coordinator', 'reporter', 'reviewer', 'viewer', 'auditor')),
    unit_code     TEXT,
    region_code   TEXT,
    password_hash TEXT    NOT NULL,  -- argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    password_changed_at TEXT,        -- set when the user chose the password themselves
    CHECK (unit_code IS NULL OR region_code IS NULL)
);
INSERT INTO users_new (id, username, display_name, role, unit_code, region_code, password_hash,
                       disabled, failed_logins, locked_until, created_at, updated_at, version)
    SELECT id, username, display_name, role, unit_code, region_code, password_hash,
           disabled, failed_logins, locked_until, created_at, updated_at, version
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

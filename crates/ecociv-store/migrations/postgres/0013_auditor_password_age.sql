-- Issue 12, item 13 (等级保护): the 审计管理员 role `auditor`, and when an account's own user last
-- chose its password (`password_changed_at`, NULL when someone else set it), for password expiry.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'coordinator', 'reporter', 'reviewer', 'viewer', 'auditor'));
ALTER TABLE users ADD COLUMN password_changed_at TEXT;  -- set when the user chose the password themselves

-- Review rows are audited from this release on. Rows written before have no event of their own;
-- when the store first opens after this migration it gives each one `review.adopt` event, once,
-- and sets this flag in the same transaction, so a row inserted behind the application's back
-- later is never adopted but reported by `audit verify`.
ALTER TABLE store_state ADD COLUMN reviews_adopted INTEGER NOT NULL DEFAULT 0;

-- Pinned items are few: the home page finds them through this index instead
-- of scanning every item's column rows.
CREATE INDEX item_columns_pinned ON item_columns(item_id) WHERE pinned = TRUE;

-- The due list asks for due dates, never for a status alone: indexed by
-- status, the planner took this index for "every published item" and
-- sorted 100,000 rows to show the newest twenty.
DROP INDEX items_due;
CREATE INDEX items_due ON items(due_on) WHERE due_on IS NOT NULL;

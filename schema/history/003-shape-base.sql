-- SPDX-License-Identifier: BSD-2-Clause
-- 003-shape-base.sql - history schema version 3: a shape may be stored as edits of another.

-- base NULL: names is the whole list (zig-zag varint deltas of name ids).
-- base = an earlier shape: names is hunks of varints (copy, drop, add, then
-- the added ids as zig-zag deltas from the id before them), the rest of the
-- base copied after the last hunk. A keyframe's shape is always whole.
ALTER TABLE shape ADD COLUMN base INTEGER REFERENCES shape(id);

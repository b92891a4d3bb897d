-- SPDX-License-Identifier: BSD-2-Clause
-- 004-checksum.sql - history schema version 4: every row carries a checksum of all its columns.

-- checksum: XXH3-64 of the row's columns in table order (layout:
-- docs/history.md), as a signed 64-bit integer; readers of a version 4
-- file verify it on every row they read and call a mismatch damage. The
-- rows an older file holds are summed here by nbh_checksum(), a function
-- the nbhistory library registers on the connection that migrates.
ALTER TABLE descr ADD COLUMN checksum INTEGER;
ALTER TABLE str ADD COLUMN checksum INTEGER;
ALTER TABLE name ADD COLUMN checksum INTEGER;
ALTER TABLE shape ADD COLUMN checksum INTEGER;
ALTER TABLE sample ADD COLUMN checksum INTEGER;
UPDATE descr SET checksum = nbh_checksum('descr', id, text);
UPDATE str SET checksum = nbh_checksum('str', id, text);
UPDATE name SET checksum = nbh_checksum('name', id, name, type, flags, descr);
UPDATE shape SET checksum = nbh_checksum('shape', id, nnames, names, base);
UPDATE sample SET checksum = nbh_checksum('sample', id, t_ns, source, boottime_ns, nobjects,
	nvalues, shape, keyframe, data);

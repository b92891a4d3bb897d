-- SPDX-License-Identifier: BSD-2-Clause
-- 005-name-tree.sql - history schema version 5: names stored as a tree, no text indexes.

-- A first sample of a large host was mostly its name table (every name as
-- its full dotted text, twice with its UNIQUE index). Now a name is its
-- parent's id plus its last component, and the writer's own maps (not
-- SQLite indexes) keep names, strings and descriptions unique.
-- The rows of the version 4 table `name` are converted by the library
-- (history/src/names.c, nbh__names_migrate) after this file: it reads
-- name_v4 and drops it. Name ids do not change (shapes refer to them).

DROP VIEW IF EXISTS names;
ALTER TABLE name RENAME TO name_v4;

-- A component and what a name ending in it is: interned, shared by every
-- name with the same last component, type, flags and description
-- (net.interfaces.*.stats.ibytes: one row).
CREATE TABLE part (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL,		-- escaped; more than one component when the parent was not recorded
	type	INTEGER NOT NULL,
	flags	INTEGER NOT NULL,
	descr	INTEGER NOT NULL REFERENCES descr(id),
	checksum INTEGER
);

-- Names, a run of n at a time: names id .. id + n - 1 have the same parent
-- (0: none, the part is the whole name) and the parts part .. part + n - 1.
-- A parent's id is below its children's ids.
CREATE TABLE name (
	id	INTEGER PRIMARY KEY,
	parent	INTEGER NOT NULL,
	part	INTEGER NOT NULL REFERENCES part(id),
	n	INTEGER NOT NULL,
	checksum INTEGER
);

-- Strings and descriptions without their UNIQUE index (the writer interns them).
CREATE TABLE descr_v5 (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL,
	checksum INTEGER
);
INSERT INTO descr_v5 SELECT id, text, checksum FROM descr;
DROP TABLE descr;
ALTER TABLE descr_v5 RENAME TO descr;
CREATE TABLE str_v5 (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL,
	checksum INTEGER
);
INSERT INTO str_v5 SELECT id, text, checksum FROM str;
DROP TABLE str;
ALTER TABLE str_v5 RENAME TO str;

-- Every name with its full dotted text, for the sqlite3 shell: the runs
-- expanded, then each name's components joined up its chain of parents.
CREATE VIEW name_full AS
WITH RECURSIVE
	run(id, parent, part, more) AS (
		SELECT id, parent, part, n - 1 FROM name
		UNION ALL
		SELECT id + 1, parent, part + 1, more - 1 FROM run WHERE more > 0),
	up(id, at, name, type, flags, descr) AS (
		SELECT r.id, r.parent, p.text, p.type, p.flags, p.descr
		FROM run r JOIN part p ON p.id = r.part
		UNION ALL
		SELECT u.id, n.parent, p.text || '.' || u.name, u.type, u.flags, u.descr
		FROM up u JOIN name n ON n.id = (SELECT max(id) FROM name WHERE id <= u.at)
		JOIN part p ON p.id = n.part + (u.at - n.id)
		WHERE u.at <> 0)
SELECT id, name, type, flags, descr FROM up WHERE at = 0;

-- Names with readable types and flags (as version 2's view).
CREATE VIEW names AS
SELECT	f.id,
	f.name,
	CASE f.type WHEN 1 THEN 'node' WHEN 2 THEN 'int' WHEN 3 THEN 'string'
		WHEN 4 THEN 'u64' WHEN 6 THEN 'bool' WHEN 7 THEN 'address'
		ELSE f.type END AS type,
	trim(CASE WHEN f.flags & 1 THEN 'rw ' ELSE '' END ||
	     CASE WHEN f.flags & 2 THEN 'counter ' ELSE '' END ||
	     CASE WHEN f.flags & 4 THEN 'gauge ' ELSE '' END ||
	     CASE WHEN f.flags & 8 THEN 'percpu ' ELSE '' END) AS flags,
	d.text AS descr
FROM name_full f JOIN descr d ON d.id = f.descr;

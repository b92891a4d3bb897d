-- SPDX-License-Identifier: BSD-2-Clause
-- 001-initial.sql - history schema version 1: samples with encoded values, interned names, strings, shapes.
-- Applied by nbhistory in one transaction; PRAGMA user_version is set by the library
-- (the number of the last file applied). Layout and encoding: docs/history.md.

-- Free-form facts about the file (who created it, when).
CREATE TABLE meta (
	key	TEXT PRIMARY KEY,
	value
) WITHOUT ROWID;

-- Node descriptions, interned.
CREATE TABLE descr (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL UNIQUE
);

-- Every node ever recorded: escaped dotted name, nb_sysctl type and flags.
CREATE TABLE name (
	id	INTEGER PRIMARY KEY,
	name	TEXT NOT NULL,
	type	INTEGER NOT NULL,	-- 1 node, 2 int, 3 string, 4 u64, 6 bool, 7 address
	flags	INTEGER NOT NULL,	-- NB_SYSCTL_F_*: 2 counter, 4 gauge, 8 percpu, ...
	descr	INTEGER NOT NULL REFERENCES descr(id),
	UNIQUE (name, type, flags, descr)
);

-- String values (STRING, ADDRESS), interned: a value is the id of its text.
CREATE TABLE str (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL UNIQUE
);

-- The ordered list of names a sample holds (tree order), shared by every
-- sample with the same set: zig-zag varint deltas of name ids.
CREATE TABLE shape (
	id	INTEGER PRIMARY KEY,
	nnames	INTEGER NOT NULL,
	names	BLOB NOT NULL
);

-- One row per sample. data: 0x01, then one value per non-node name of the
-- shape, in order, as zig-zag varint deltas against the value of the same
-- name in the previous sample (against 0 in a keyframe, keyframe = id, or
-- when the name was absent), a run of r zeros written as 0, r-1.
CREATE TABLE sample (
	id		INTEGER PRIMARY KEY,
	t_ns		INTEGER NOT NULL UNIQUE,	-- realtime, ns since the epoch
	source		TEXT NOT NULL,
	boottime_ns	INTEGER NOT NULL,
	nobjects	INTEGER NOT NULL,		-- interior nodes
	nvalues		INTEGER NOT NULL,		-- leaves
	shape		INTEGER NOT NULL REFERENCES shape(id),
	keyframe	INTEGER NOT NULL,		-- id of the keyframe this sample decodes from
	data		BLOB NOT NULL
);

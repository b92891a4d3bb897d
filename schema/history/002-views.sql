-- SPDX-License-Identifier: BSD-2-Clause
-- 002-views.sql - history schema version 2: views for reading the file with the sqlite3 shell.

-- Samples with readable times and their encoded size.
CREATE VIEW samples AS
SELECT	id,
	strftime('%Y-%m-%dT%H:%M:%fZ', t_ns / 1000000000.0, 'unixepoch') AS time,
	t_ns,
	source,
	strftime('%Y-%m-%dT%H:%M:%SZ', boottime_ns / 1000000000, 'unixepoch') AS boottime,
	nobjects,
	nvalues,
	id = keyframe AS is_keyframe,
	length(data) AS bytes
FROM sample;

-- Names with readable types and flags.
CREATE VIEW names AS
SELECT	n.id,
	n.name,
	CASE n.type WHEN 1 THEN 'node' WHEN 2 THEN 'int' WHEN 3 THEN 'string'
		WHEN 4 THEN 'u64' WHEN 6 THEN 'bool' WHEN 7 THEN 'address'
		ELSE n.type END AS type,
	trim(CASE WHEN n.flags & 1 THEN 'rw ' ELSE '' END ||
	     CASE WHEN n.flags & 2 THEN 'counter ' ELSE '' END ||
	     CASE WHEN n.flags & 4 THEN 'gauge ' ELSE '' END ||
	     CASE WHEN n.flags & 8 THEN 'percpu ' ELSE '' END) AS flags,
	d.text AS descr
FROM name n JOIN descr d ON d.id = n.descr;

-- Storage summary: bytes per recorded value.
CREATE VIEW storage AS
SELECT	count(*) AS samples,
	sum(nvalues) AS "values",
	sum(length(data)) AS data_bytes,
	(SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) AS file_bytes,
	round(1.0 * (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) /
	    max(sum(nvalues), 1), 3) AS bytes_per_value
FROM sample;

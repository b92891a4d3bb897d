-- SPDX-License-Identifier: BSD-2-Clause
-- 006-events.sql - history schema version 6: the event log, what changed between samples with its own time.
-- Self-contained: it needs nothing of version 5 (which changes the name table) and
-- applies after it; a reader looks for the table, not at the version.

-- One row per change the recorder saw (links up/down, carrier, interfaces
-- created/deleted/renamed, addresses and routes added/removed, neighbours'
-- states, capture descriptors opened/closed), in the order they happened.
-- t_ns is the change's own time (when it was applied from the kernel's
-- event), not its sample's; a row 'events lost' says how many were dropped.
CREATE TABLE IF NOT EXISTS event (
	id		INTEGER PRIMARY KEY,
	t_ns		INTEGER NOT NULL,	-- realtime, ns since the epoch
	object		TEXT NOT NULL,		-- the interface's name then ('' none)
	ifindex		INTEGER NOT NULL,	-- 0 none
	what		TEXT NOT NULL,		-- 'link down', 'address added', ...
	detail		TEXT NOT NULL,		-- '10.0.0.1/24', 'from eth1', ... ('' none)
	checksum	INTEGER NOT NULL	-- as every row's (004-checksum.sql)
);
CREATE INDEX IF NOT EXISTS event_t ON event(t_ns);

-- Events with readable times.
CREATE VIEW IF NOT EXISTS events AS
SELECT	id,
	strftime('%Y-%m-%dT%H:%M:%fZ', t_ns / 1000000000.0, 'unixepoch') AS time,
	t_ns,
	object,
	ifindex,
	what,
	detail
FROM event;

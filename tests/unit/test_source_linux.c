/* SPDX-License-Identifier: BSD-2-Clause */
/* test_source_linux.c - the linux source against the real kernel, checked field by field against iproute2. */
/*
 * The test runs in network namespaces it makes itself: it unshare()s a
 * fresh one for the process (root needed; skipped with 77 otherwise), and a
 * child process unshare()s a second one that holds the far end of a veth
 * pair, so UDP traffic crosses a real veth. Both namespaces vanish when the
 * processes exit, whatever happens. No traffic leaves them.
 *
 * Oracle: `ip -j -s -s -d link show` and `ip -j addr show`, parsed with
 * json-c. Counters move on their own (IPv6 DAD/MLD on links that are up),
 * so a comparison is made only in a quiet moment: oracle, refresh, oracle
 * again, and the two oracle reads must be identical (retried until they
 * are). IPv6 router solicitations are switched off and DAD is skipped in
 * the test namespace to make quiet moments come sooner.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nbsource/linux.h"
#include "nbstack/stack.h"

#include "check.h"

static unsigned refreshes_ok;	/* successful nb_source_refresh calls */
static pid_t peer_pid = -1;
static int peer_cmd = -1, peer_ack = -1;

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

static struct json_object *
ip_json(const char *cmd)
{
	struct json_object *j = NULL;
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f, *m;
	char chunk[65536];

	if ((f = popen(cmd, "r")) == NULL)
		return NULL;
	if ((m = open_memstream(&buf, &len)) == NULL) {
		pclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	if (pclose(f) == 0)
		j = json_tokener_parse(buf);
	free(buf);
	return j;
}

static struct json_object *jget(struct json_object *o, const char *k);

/*
 * `ip -d` shows bridge timers (gc_timer, forward_delay_timer, ...) that
 * tick all the time; they are not compared, so drop them before deciding
 * whether two oracle reads are the same quiet moment.
 */
static void
strip_timers(struct json_object *links)
{
	struct json_object *li;
	size_t i;

	for (i = 0; links != NULL && i < json_object_array_length(links); i++) {
		if ((li = jget(json_object_array_get_idx(links, i), "linkinfo")) == NULL)
			continue;
		json_object_object_del(li, "info_data");
		json_object_object_del(li, "info_slave_data");
	}
}

static struct json_object *
jget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static int64_t
jint(struct json_object *o, const char *k, int64_t dflt)
{
	struct json_object *v = jget(o, k);

	return v != NULL ? json_object_get_int64(v) : dflt;
}

static uint64_t
juint(struct json_object *o, const char *k, uint64_t dflt)
{
	struct json_object *v = jget(o, k);

	return v != NULL ? json_object_get_uint64(v) : dflt;
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* aa:bb:cc, as ip prints link-layer addresses. */
static void
ll_str(char *out, size_t outsz, const uint8_t *p, unsigned n)
{
	size_t off = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < n && off + 4 < outsz; i++)
		off += (size_t)snprintf(out + off, outsz - off, i == 0 ? "%02x" : ":%02x", p[i]);
}

static const struct { const char *name; uint32_t bit; } ifflag_names[] = {
	{ "UP", IFF_UP }, { "BROADCAST", IFF_BROADCAST }, { "DEBUG", IFF_DEBUG },
	{ "LOOPBACK", IFF_LOOPBACK }, { "POINTOPOINT", IFF_POINTOPOINT },
	{ "NOTRAILERS", IFF_NOTRAILERS }, { "NOARP", IFF_NOARP }, { "PROMISC", IFF_PROMISC },
	{ "ALLMULTI", IFF_ALLMULTI }, { "MASTER", IFF_MASTER }, { "SLAVE", IFF_SLAVE },
	{ "MULTICAST", IFF_MULTICAST }, { "PORTSEL", IFF_PORTSEL },
	{ "AUTOMEDIA", IFF_AUTOMEDIA }, { "DYNAMIC", IFF_DYNAMIC },
	{ "LOWER_UP", IFF_LOWER_UP }, { "DORMANT", IFF_DORMANT }, { "ECHO", IFF_ECHO },
};

/* The flags `ip` shows: every IFF_* by name, RUNNING only as NO-CARRIER. */
static uint32_t
oracle_flags(struct json_object *l, int *nocarrier)
{
	struct json_object *fl = jget(l, "flags");
	uint32_t f = 0;
	size_t i, k;

	*nocarrier = 0;
	for (i = 0; fl != NULL && i < json_object_array_length(fl); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(fl, i));

		if (strcmp(s, "NO-CARRIER") == 0) {
			*nocarrier = 1;
			continue;
		}
		for (k = 0; k < sizeof(ifflag_names) / sizeof(ifflag_names[0]); k++)
			if (strcmp(s, ifflag_names[k].name) == 0)
				f |= ifflag_names[k].bit;
	}
	return f;
}

static const char *const operstates[] = {
	"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP",
};

static uint32_t
link_type(const char *s)
{
	if (s == NULL)
		return UINT32_MAX;
	if (strcmp(s, "ether") == 0)
		return ARPHRD_ETHER;
	if (strcmp(s, "loopback") == 0)
		return ARPHRD_LOOPBACK;
	if (strcmp(s, "none") == 0)
		return ARPHRD_NONE;
	return UINT32_MAX - 1;
}

static struct json_object *
oracle_by_name(struct json_object *links, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(links); i++) {
		struct json_object *l = json_object_array_get_idx(links, i);
		const char *n = jstr(l, "ifname");

		if (n != NULL && strcmp(n, name) == 0)
			return l;
	}
	return NULL;
}

static void
check_link(const struct nb_read *rd, struct json_object *links, struct json_object *l)
{
	const char *name = jstr(l, "ifname"), *s;
	uint32_t index = (uint32_t)jint(l, "ifindex", 0), want;
	const struct nb_iface *ifp, *byname;
	const struct nb_ifattrs *a;
	struct json_object *st, *rx, *tx, *li, *m;
	uint64_t v[NB_IFSTAT_MAX];
	char ll[3 * NB_LLADDR_MAX + 1];
	int nocarrier;

	if ((ifp = nb_if_lookup_index(rd, index)) == NULL) {
		CHECK(ifp != NULL, "ifindex %u (%s) missing from the stack", index, name);
		return;
	}
	a = nb_iface_attrs(ifp);
	CHECK(strcmp(a->name, name) == 0, "ifindex %u: name '%s', ip says '%s'", index, a->name, name);
	byname = nb_if_lookup_name(rd, name);
	CHECK(byname == ifp, "%s: lookup by name gives another object", name);
	CHECK(a->index == index, "%s: index %u != %u", name, a->index, index);
	CHECK(a->mtu == (uint32_t)jint(l, "mtu", -1), "%s: mtu %u != %lld", name, a->mtu,
	    (long long)jint(l, "mtu", -1));
	CHECK(a->txqlen == (uint32_t)jint(l, "txqlen", 0), "%s: txqlen %u", name, a->txqlen);
	want = oracle_flags(l, &nocarrier);
	CHECK((a->flags & ~(uint32_t)IFF_RUNNING) == want, "%s: flags %#x, ip says %#x", name,
	    a->flags, want);
	CHECK(nocarrier == ((a->flags & IFF_UP) != 0 && (a->flags & IFF_RUNNING) == 0),
	    "%s: NO-CARRIER %d vs flags %#x", name, nocarrier, a->flags);
	s = jstr(l, "operstate");
	CHECK(s != NULL && a->operstate < sizeof(operstates) / sizeof(operstates[0]) &&
	    strcmp(operstates[a->operstate], s) == 0, "%s: operstate %u, ip says %s", name,
	    a->operstate, s != NULL ? s : "(none)");
	CHECK(a->type == link_type(jstr(l, "link_type")), "%s: type %u vs %s", name, a->type,
	    jstr(l, "link_type"));
	ll_str(ll, sizeof(ll), a->lladdr, a->lladdr_len);
	s = jstr(l, "address");
	CHECK(strcmp(ll, s != NULL ? s : "") == 0, "%s: lladdr %s, ip says %s", name, ll, s);
	ll_str(ll, sizeof(ll), a->brd, a->brd_len);
	s = jstr(l, "broadcast");
	CHECK(strcmp(ll, s != NULL ? s : "") == 0, "%s: broadcast %s, ip says %s", name, ll, s);
	li = jget(l, "linkinfo");
	s = li != NULL ? jstr(li, "info_kind") : NULL;
	CHECK(strcmp(a->kind, s != NULL ? s : "") == 0, "%s: kind '%s', ip says '%s'", name,
	    a->kind, s);
	/* master: by name in the same namespace */
	s = jstr(l, "master");
	if (s == NULL) {
		CHECK(a->master == 0, "%s: master %u, ip says none", name, a->master);
	} else {
		m = oracle_by_name(links, s);
		CHECK(m != NULL && a->master == (uint32_t)jint(m, "ifindex", 0),
		    "%s: master %u, ip says %s", name, a->master, s);
	}
	/* link: a name here, link_index across namespaces, null for 0 */
	if (jget(l, "link_index") != NULL) {
		CHECK(a->link == (uint32_t)jint(l, "link_index", 0), "%s: link %u != %lld", name,
		    a->link, (long long)jint(l, "link_index", 0));
	} else if ((s = jstr(l, "link")) != NULL) {
		m = oracle_by_name(links, s);
		CHECK(m != NULL && a->link == (uint32_t)jint(m, "ifindex", 0),
		    "%s: link %u, ip says %s", name, a->link, s);
	} else {
		CHECK(a->link == 0, "%s: link %u, ip says none", name, a->link);
	}
	/* counters */
	nb_iface_stats(ifp, v);
	st = jget(l, "stats64");
	rx = st != NULL ? jget(st, "rx") : NULL;
	tx = st != NULL ? jget(st, "tx") : NULL;
	if (rx == NULL || tx == NULL) {
		CHECK(rx != NULL && tx != NULL, "%s: ip gave no stats64", name);
		return;
	}
#define CTR(idx, obj, key) \
	CHECK(v[idx] == juint(obj, key, UINT64_MAX), "%s: %s = %llu, ip %s = %llu", name, \
	    #idx, (unsigned long long)v[idx], key, (unsigned long long)juint(obj, key, UINT64_MAX))
	CTR(NB_IFSTAT_IPACKETS, rx, "packets");
	CTR(NB_IFSTAT_IERRORS, rx, "errors");
	CTR(NB_IFSTAT_IQDROPS, rx, "dropped");
	CTR(NB_IFSTAT_IBYTES, rx, "bytes");
	CTR(NB_IFSTAT_IMCASTS, rx, "multicast");
	CTR(NB_IFSTAT_OPACKETS, tx, "packets");
	CTR(NB_IFSTAT_OERRORS, tx, "errors");
	CTR(NB_IFSTAT_OQDROPS, tx, "dropped");
	CTR(NB_IFSTAT_OBYTES, tx, "bytes");
	CTR(NB_IFSTAT_COLLISIONS, tx, "collisions");
#undef CTR
	/* iproute2 prints rx nohandler only when it is not zero */
	CHECK(v[NB_IFSTAT_NOPROTO] == juint(rx, "nohandler", 0), "%s: noproto %llu", name,
	    (unsigned long long)v[NB_IFSTAT_NOPROTO]);
}

/* The address flags ip shows by name (0x01 is "secondary" for inet, "temporary" for inet6). */
static const struct { const char *name; uint32_t bit; int family; } ifaflag_names[] = {
	{ "secondary", IFA_F_SECONDARY, AF_INET }, { "temporary", IFA_F_TEMPORARY, AF_INET6 },
	{ "nodad", IFA_F_NODAD, 0 }, { "optimistic", IFA_F_OPTIMISTIC, 0 },
	{ "dadfailed", IFA_F_DADFAILED, 0 }, { "home", IFA_F_HOMEADDRESS, 0 },
	{ "deprecated", IFA_F_DEPRECATED, 0 }, { "tentative", IFA_F_TENTATIVE, 0 },
	{ "mngtmpaddr", IFA_F_MANAGETEMPADDR, 0 }, { "noprefixroute", IFA_F_NOPREFIXROUTE, 0 },
	{ "autojoin", IFA_F_MCAUTOJOIN, 0 }, { "stable-privacy", IFA_F_STABLE_PRIVACY, 0 },
};

struct addr_find {
	int		 family;
	uint8_t		 addr[16];
	unsigned	 prefixlen;
	const struct nb_addrattrs *found;
	unsigned	 n;
};

static int
addr_find_cb(const struct nb_addr *ap, void *arg)
{
	struct addr_find *f = arg;
	const struct nb_addrattrs *a = nb_addr_attrs(ap);

	f->n++;
	if (a->family == f->family && a->prefixlen == f->prefixlen &&
	    memcmp(a->addr, f->addr, a->family == AF_INET ? 4 : 16) == 0)
		f->found = a;
	return 0;
}

static unsigned
scope_of(const char *s)
{
	if (strcmp(s, "global") == 0) return RT_SCOPE_UNIVERSE;
	if (strcmp(s, "site") == 0) return RT_SCOPE_SITE;
	if (strcmp(s, "link") == 0) return RT_SCOPE_LINK;
	if (strcmp(s, "host") == 0) return RT_SCOPE_HOST;
	if (strcmp(s, "nowhere") == 0) return RT_SCOPE_NOWHERE;
	return (unsigned)atoi(s);
}

static unsigned
check_addrs(const struct nb_read *rd, struct json_object *l)
{
	const char *name = jstr(l, "ifname"), *s;
	struct json_object *ai = jget(l, "addr_info"), *o;
	const struct nb_iface *ifp = nb_if_lookup_index(rd, (uint32_t)jint(l, "ifindex", 0));
	const struct nb_addrattrs *a;
	struct addr_find f;
	uint8_t bin[16];
	size_t i, k, n = ai != NULL ? json_object_array_length(ai) : 0;
	char txt[INET6_ADDRSTRLEN];
	bool has;

	if (ifp == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(ai, i);
		memset(&f, 0, sizeof(f));
		f.family = strcmp(jstr(o, "family"), "inet6") == 0 ? AF_INET6 : AF_INET;
		f.prefixlen = (unsigned)jint(o, "prefixlen", -1);
		CHECK(inet_pton(f.family, jstr(o, "local"), f.addr) == 1, "%s: bad local", name);
		nb_iface_addr_walk(rd, ifp, addr_find_cb, &f);
		if ((a = f.found) == NULL) {
			CHECK(a != NULL, "%s: address %s/%u missing from the stack", name,
			    jstr(o, "local"), f.prefixlen);
			continue;
		}
		CHECK(a->ifindex == (uint32_t)jint(l, "ifindex", 0), "%s: ifindex", name);
		CHECK(a->scope == scope_of(jstr(o, "scope")), "%s %s: scope %u vs %s", name,
		    jstr(o, "local"), a->scope, jstr(o, "scope"));
		if ((s = jstr(o, "address")) != NULL) {
			CHECK(a->has_peer && inet_ntop(f.family, a->peer, txt, sizeof(txt)) != NULL &&
			    strcmp(txt, s) == 0, "%s %s: peer, ip says %s", name, jstr(o, "local"), s);
		} else {
			CHECK(!a->has_peer, "%s %s: unexpected peer", name, jstr(o, "local"));
		}
		if ((s = jstr(o, "broadcast")) != NULL) {
			CHECK(a->has_brd && inet_pton(f.family, s, bin) == 1 &&
			    memcmp(bin, a->brd, f.family == AF_INET ? 4 : 16) == 0,
			    "%s %s: broadcast, ip says %s", name, jstr(o, "local"), s);
		} else {
			CHECK(!a->has_brd, "%s %s: unexpected broadcast", name, jstr(o, "local"));
		}
		s = jstr(o, "label");
		CHECK(strcmp(a->label, s != NULL ? s : "") == 0, "%s: label '%s', ip says '%s'",
		    name, a->label, s);
		for (k = 0; k < sizeof(ifaflag_names) / sizeof(ifaflag_names[0]); k++) {
			if (ifaflag_names[k].family != 0 && ifaflag_names[k].family != f.family)
				continue;
			has = jget(o, ifaflag_names[k].name) != NULL;
			CHECK(has == ((a->flags & ifaflag_names[k].bit) != 0),
			    "%s %s: flag %s: ip %d, flags %#x", name, jstr(o, "local"),
			    ifaflag_names[k].name, has, a->flags);
		}
		CHECK((jget(o, "dynamic") != NULL) == ((a->flags & IFA_F_PERMANENT) == 0),
		    "%s %s: dynamic vs flags %#x", name, jstr(o, "local"), a->flags);
		CHECK(a->valid_lft == (uint32_t)juint(o, "valid_life_time", 0) &&
		    a->preferred_lft == (uint32_t)juint(o, "preferred_life_time", 0),
		    "%s %s: lifetimes %u/%u", name, jstr(o, "local"), a->valid_lft, a->preferred_lft);
	}
	memset(&f, 0, sizeof(f));
	nb_iface_addr_walk(rd, ifp, addr_find_cb, &f);
	CHECK(f.n == n, "%s: stack has %u addresses, ip %zu", name, f.n, n);
	return f.n;
}

/* Which links changed between two oracle reads (NB_TEST_VERBOSE). */
static void
show_moving(struct json_object *l1, struct json_object *l2)
{
	size_t i;

	for (i = 0; i < json_object_array_length(l1) && i < json_object_array_length(l2); i++)
		if (!json_object_equal(json_object_array_get_idx(l1, i),
		    json_object_array_get_idx(l2, i)))
			fprintf(stderr, "  moving: %s\n",
			    json_object_to_json_string(json_object_array_get_idx(l2, i)));
}

/*
 * Refresh in a quiet moment and compare everything. Returns the number of
 * links compared.
 */
static size_t
compare_all(struct nb_stack *st, struct nb_source *src, const char *when)
{
	struct json_object *l1 = NULL, *a1 = NULL, *l2 = NULL, *a2 = NULL;
	struct nb_read rd;
	size_t i, n = 0, naddr = 0;
	int tries, error, quiet = 0;

	for (tries = 0; tries < 60 && !quiet; tries++) {
		json_object_put(l1);
		json_object_put(a1);
		json_object_put(l2);
		json_object_put(a2);
		l1 = ip_json("ip -j -s -s -d link show");
		a1 = ip_json("ip -j addr show");
		error = nb_source_refresh(src, NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS);
		CHECK(error == 0, "%s: refresh: %d %s", when, error, nb_source_error(src));
		refreshes_ok += error == 0;
		l2 = ip_json("ip -j -s -s -d link show");
		a2 = ip_json("ip -j addr show");
		if (l1 == NULL || a1 == NULL || l2 == NULL || a2 == NULL) {
			CHECK(0, "%s: ip -j failed", when);
			goto out;
		}
		strip_timers(l1);
		strip_timers(l2);
		quiet = json_object_equal(l1, l2) && json_object_equal(a1, a2);
		if (!quiet) {
			if (getenv("NB_TEST_VERBOSE") != NULL) {
				show_moving(l1, l2);
				show_moving(a1, a2);
			}
			usleep(250000);
		}
	}
	CHECK(quiet, "%s: no quiet moment in %d tries", when, tries);
	if (!quiet)
		goto out;
	nb_read_enter(st, &rd);
	n = json_object_array_length(l2);
	CHECK(nb_if_count(&rd) == n, "%s: stack has %zu links, ip %zu", when, nb_if_count(&rd), n);
	for (i = 0; i < n; i++)
		check_link(&rd, l2, json_object_array_get_idx(l2, i));
	for (i = 0; i < json_object_array_length(a2); i++)
		naddr += check_addrs(&rd, json_object_array_get_idx(a2, i));
	CHECK(nb_addr_count(&rd) == naddr, "%s: stack has %zu addresses, %zu compared", when,
	    nb_addr_count(&rd), naddr);
	nb_read_exit(&rd);
	printf("%s: %zu links, %zu addresses compared with ip (quiet after %d tries)\n", when, n,
	    naddr, tries);
out:
	json_object_put(l1);
	json_object_put(a1);
	json_object_put(l2);
	json_object_put(a2);
	return n;
}

/* --- the peer namespace: a child process that holds it and sends UDP --- */

static void
peer_main(int cmd, int ack)
{
	struct sockaddr_in sa, da;
	char c, buf[200];
	int s, i;

	if (unshare(CLONE_NEWNET) != 0)
		_exit(1);
	c = 'r';
	if (write(ack, &c, 1) != 1)
		_exit(1);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'q')
			break;
		/* 's': 50 datagrams 198.18.7.2 -> 198.18.7.1:9 over the veth */
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		inet_pton(AF_INET, "198.18.7.2", &sa.sin_addr);
		da = sa;
		inet_pton(AF_INET, "198.18.7.1", &da.sin_addr);
		da.sin_port = htons(9);
		memset(buf, 'p', sizeof(buf));
		c = 'e';
		if ((s = socket(AF_INET, SOCK_DGRAM, 0)) >= 0 &&
		    bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			for (i = 0; i < 50; i++)
				if (sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&da, sizeof(da)) < 0)
					break;
			c = i == 50 ? 'd' : 'e';
		}
		if (s >= 0)
			close(s);
		if (write(ack, &c, 1) != 1)
			break;
	}
	_exit(0);
}

static int
peer_start(void)
{
	int p1[2], p2[2];
	char c;

	if (pipe(p1) != 0 || pipe(p2) != 0)
		return -errno;
	if ((peer_pid = fork()) < 0)
		return -errno;
	if (peer_pid == 0) {
		close(p1[1]);
		close(p2[0]);
		peer_main(p1[0], p2[1]);
	}
	close(p1[0]);
	close(p2[1]);
	peer_cmd = p1[1];
	peer_ack = p2[0];
	return read(peer_ack, &c, 1) == 1 && c == 'r' ? 0 : -EIO;
}

static int
peer_send(void)
{
	char c = 's';

	if (write(peer_cmd, &c, 1) != 1 || read(peer_ack, &c, 1) != 1)
		return -EIO;
	return c == 'd' ? 0 : -EIO;
}

static void
peer_stop(void)
{
	char c = 'q';

	if (peer_pid <= 0)
		return;
	if (write(peer_cmd, &c, 1) != 1)
		kill(peer_pid, SIGKILL);
	waitpid(peer_pid, NULL, 0);	/* its namespace (and xb0) goes with it */
	close(peer_cmd);
	close(peer_ack);
	peer_pid = -1;
}

/* 100 datagrams 198.18.7.1 -> 198.18.7.2:9 from this namespace. */
static int
local_send(void)
{
	struct sockaddr_in sa, da;
	char buf[300];
	int s, i, error = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, "198.18.7.1", &sa.sin_addr);
	da = sa;
	inet_pton(AF_INET, "198.18.7.2", &da.sin_addr);
	da.sin_port = htons(9);
	memset(buf, 'l', sizeof(buf));
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		error = -errno;
	for (i = 0; error == 0 && i < 100; i++)
		if (sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&da, sizeof(da)) < 0)
			error = -errno;
	close(s);
	return error;
}

/* --- small stack helpers --- */

struct gen_of {
	uint32_t	index;
	uint64_t	gen;
	char		name[NB_IFNAMSIZ];
	uint32_t	mtu, txqlen, flags;
	int		found;
};

static void
stack_if(struct nb_stack *st, const char *name, struct gen_of *g)
{
	const struct nb_iface *ifp;
	struct nb_read rd;

	memset(g, 0, sizeof(*g));
	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_name(&rd, name)) != NULL) {
		g->found = 1;
		g->index = nb_iface_attrs(ifp)->index;
		g->gen = nb_iface_gen(ifp);
		g->mtu = nb_iface_attrs(ifp)->mtu;
		g->txqlen = nb_iface_attrs(ifp)->txqlen;
		g->flags = nb_iface_attrs(ifp)->flags;
		snprintf(g->name, sizeof(g->name), "%s", nb_iface_attrs(ifp)->name);
	}
	nb_read_exit(&rd);
}

struct dep_find {
	const char	*name;
	uint64_t	 gen;
	int		 found;
};

static int
dep_cb(const struct nb_departed *d, void *arg)
{
	struct dep_find *f = arg;

	if (strcmp(d->attrs.name, f->name) == 0 && d->gen == f->gen)
		f->found = 1;
	return 0;
}

static int
departed_has(struct nb_stack *st, const char *name, uint64_t gen)
{
	struct dep_find f = { name, gen, 0 };
	struct nb_read rd;

	nb_read_enter(st, &rd);
	nb_departed_walk(&rd, dep_cb, &f);
	nb_read_exit(&rd);
	return f.found;
}

static uint32_t
kernel_mtu(const char *name)
{
	char cmd[128];
	struct json_object *j;
	uint32_t mtu = 0;

	snprintf(cmd, sizeof(cmd), "ip -j link show dev '%s'", name);
	if ((j = ip_json(cmd)) != NULL && json_object_array_length(j) == 1)
		mtu = (uint32_t)jint(json_object_array_get_idx(j, 0), "mtu", 0);
	json_object_put(j);
	return mtu;
}

static int
setup(void)
{
	const char *ns2 = "nsenter --net=/proc/%d/ns/net";
	char pre[64];

	/* Quieter IPv6: no router solicitations, no DAD (see top comment). */
	if (run("ip link set lo up") ||
	    run("sysctl -q -w net.ipv6.conf.all.router_solicitations=0 "
		"net.ipv6.conf.default.router_solicitations=0 "
		"net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0") ||
	    /* odd names: '.', '@', leading '-', '#', UTF-8 */
	    run("ip link add 'va.1' type veth peer name 'vb@1'") ||
	    run("ip link add name '-vd0' type veth peer name 'v#0'") ||
	    run("ip link add 'vé0' type veth peer name 'vé1'") ||
	    run("ip link add br0 type bridge") ||
	    run("ip link set 'v#0' master br0") ||
	    run("ip addr add 10.1.0.1/24 brd + label 'va.1:x' dev 'va.1'") ||
	    run("ip addr add 10.2.0.1 peer 10.2.0.2/32 dev 'va.1'") ||
	    run("ip addr add 10.1.0.9/24 dev 'va.1'") ||	/* a secondary */
	    run("ip -6 addr add fd00:5eed::1/64 nodad dev 'va.1'") ||
	    run("ip -6 addr add fd00:5eed:1::1/64 dev 'vé0'") ||
	    run("ip link set br0 up") || run("ip link set 'v#0' up") ||
	    run("ip link set '-vd0' up"))
		return -1;
	if (peer_start() != 0)
		return -1;
	snprintf(pre, sizeof(pre), ns2, (int)peer_pid);
	if (run("ip link add xa0 type veth peer name xb0 netns %d", (int)peer_pid) ||
	    run("%s ip link set lo up", pre) ||
	    run("%s sysctl -q -w net.ipv6.conf.all.disable_ipv6=1", pre) ||
	    run("%s ip addr add 198.18.7.2/24 dev xb0", pre) ||
	    run("%s ip link set xb0 up", pre) ||
	    run("ip addr add 198.18.7.1/24 dev xa0") ||
	    run("ip -6 addr add fd00:5eed:7::1/64 dev xa0") ||
	    run("ip link set xa0 up"))
		return -1;
	return 0;
}

int
main(void)
{
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	struct gen_of g, g2, ga, gb;
	const struct nb_iface *ifp;
	struct nb_read rd;
	uint64_t v[NB_IFSTAT_MAX], samples;
	int error;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (unshare CLONE_NEWNET)\n");
		return 77;
	}
	if (setup() != 0) {
		CHECK(0, "setup failed");
		goto out;
	}
	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, &nb_source_linux_ops, NULL, &src)) != 0) {
		CHECK(0, "stack/source: %d", error);
		goto out;
	}
	CHECK(strcmp(nb_source_kind(src), "linux") == 0, "kind %s", nb_source_kind(src));
	CHECK((nb_source_families(src) & (NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS)) ==
	    (NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS), "families %#x", nb_source_families(src));
	CHECK(nb_stack_ifstat_mask(st) == (((1u << NB_IFSTAT_MAX) - 1) & ~(1u << NB_IFSTAT_OMCASTS)),
	    "ifstat mask %#x", nb_stack_ifstat_mask(st));

	/* 1. everything, as set up (9 links: lo, 3 veth pairs, br0, xa0) */
	CHECK(compare_all(st, src, "initial") == 9, "expected 9 links");

	/* 2. traffic across the veth into the peer namespace and back */
	CHECK(local_send() == 0, "local_send");
	CHECK(peer_send() == 0, "peer_send");
	usleep(200000);
	compare_all(st, src, "after traffic");
	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_name(&rd, "xa0")) != NULL) {
		nb_iface_stats(ifp, v);
		CHECK(v[NB_IFSTAT_OPACKETS] >= 100 && v[NB_IFSTAT_OBYTES] >= 100 * 300,
		    "xa0 sent %llu packets", (unsigned long long)v[NB_IFSTAT_OPACKETS]);
		CHECK(v[NB_IFSTAT_IPACKETS] >= 50 && v[NB_IFSTAT_IBYTES] >= 50 * 200,
		    "xa0 received %llu packets", (unsigned long long)v[NB_IFSTAT_IPACKETS]);
	} else {
		CHECK(ifp != NULL, "xa0 missing");
	}
	nb_read_exit(&rd);

	/* 3. rename keeps the generation; address removal reconciles */
	stack_if(st, "va.1", &g);
	CHECK(g.found, "va.1 missing");
	if (run("ip link set 'va.1' name 'vr.1'") || run("ip addr del 10.1.0.9/24 dev 'vr.1'"))
		CHECK(0, "rename");
	compare_all(st, src, "after rename");
	stack_if(st, "vr.1", &g2);
	CHECK(g2.found && g2.index == g.index && g2.gen == g.gen,
	    "rename: index %u gen %llu -> index %u gen %llu", g.index,
	    (unsigned long long)g.gen, g2.index, (unsigned long long)g2.gen);
	stack_if(st, "va.1", &g2);
	CHECK(!g2.found, "old name still present");

	/* 4. delete: both ends gone, both in the departed list */
	stack_if(st, "vé0", &ga);
	stack_if(st, "vé1", &gb);
	CHECK(ga.found && gb.found, "vé0/vé1 missing");
	if (run("ip link del 'vé0'"))
		CHECK(0, "link del");
	compare_all(st, src, "after delete");
	stack_if(st, "vé0", &g2);
	CHECK(!g2.found, "vé0 still present");
	stack_if(st, "vé1", &g2);
	CHECK(!g2.found, "vé1 still present");
	CHECK(departed_has(st, "vé0", ga.gen), "vé0 not in the departed list");
	CHECK(departed_has(st, "vé1", gb.gen), "vé1 not in the departed list");

	/* 5. links born between dumps: a counters-only and an address-only refresh pick them up */
	if (run("ip link add nw0 type veth peer name nw1"))
		CHECK(0, "nw0");
	error = nb_source_refresh(src, NB_FAM_IFSTATS);
	CHECK(error == 0, "ifstats refresh: %d %s", error, nb_source_error(src));
	refreshes_ok += error == 0;
	stack_if(st, "nw0", &g);
	stack_if(st, "nw1", &g2);
	CHECK(g.found && g2.found, "IFSTATS refresh did not bring in nw0/nw1");
	if (run("ip link add nx0 type veth peer name nx1") ||
	    run("ip addr add 10.3.0.1/24 dev nx0"))
		CHECK(0, "nx0");
	error = nb_source_refresh(src, NB_FAM_ADDRS);
	CHECK(error == 0, "addrs refresh: %d %s", error, nb_source_error(src));
	refreshes_ok += error == 0;
	stack_if(st, "nx0", &g);
	CHECK(g.found, "ADDRS refresh did not bring in nx0");
	compare_all(st, src, "after late links");

	/* 6. link_set */
	stack_if(st, "xa0", &g);
	error = nb_source_link_set(src, g.index, NB_LINKSET_MTU, 1400);
	CHECK(error == 0, "link_set mtu: %d %s", error, nb_source_error(src));
	stack_if(st, "xa0", &g2);
	CHECK(g2.mtu == 1400 && g2.gen == g.gen, "stack mtu %u after link_set", g2.mtu);
	CHECK(kernel_mtu("xa0") == 1400, "kernel mtu %u", kernel_mtu("xa0"));
	error = nb_source_link_set(src, g.index, NB_LINKSET_MTU, 10);
	CHECK(error == -EINVAL, "link_set mtu 10: %d", error);
	CHECK(nb_source_error(src)[0] != '\0', "no error detail");
	printf("link_set mtu 10: %d \"%s\"\n", error, nb_source_error(src));
	CHECK(kernel_mtu("xa0") == 1400, "kernel mtu changed by a failed set");
	stack_if(st, "-vd0", &g);
	error = nb_source_link_set(src, g.index, NB_LINKSET_TXQLEN, 777);
	stack_if(st, "-vd0", &g2);
	CHECK(error == 0 && g2.txqlen == 777, "txqlen: %d, %u", error, g2.txqlen);
	stack_if(st, "nw0", &g);
	CHECK((g.flags & IFF_UP) == 0, "nw0 up already");
	error = nb_source_link_set(src, g.index, NB_LINKSET_UP, 1);
	stack_if(st, "nw0", &g2);
	CHECK(error == 0 && (g2.flags & IFF_UP) != 0, "up: %d, flags %#x", error, g2.flags);
	error = nb_source_link_set(src, g.index, NB_LINKSET_UP, 0);
	stack_if(st, "nw0", &g2);
	CHECK(error == 0 && (g2.flags & IFF_UP) == 0, "down: %d, flags %#x", error, g2.flags);
	error = nb_source_link_set(src, 999999, NB_LINKSET_MTU, 1500);
	CHECK(error == -ENODEV, "link_set on no such link: %d", error);
	compare_all(st, src, "after link_set");

	/* 7. health: every successful refresh counted, cost recorded */
	nb_read_enter(st, &rd);
	samples = nb_ctrgroup_sum(nb_stack_health(st), NB_HEALTH_SAMPLES);
	CHECK(samples == refreshes_ok, "samples %llu, refreshes %u", (unsigned long long)samples,
	    refreshes_ok);
	CHECK(nb_ctrgroup_sum(nb_stack_health(st), NB_HEALTH_SAMPLE_NS) > 0, "sample_ns 0");
	nb_read_exit(&rd);
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
	peer_stop();
	if (failures != 0)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("ok\n");
	return failures != 0 ? 1 : 0;
}

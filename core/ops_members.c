/* SPDX-License-Identifier: ISC */
/* ops_members.c: the scale-out deployment (seeds 000, 002): list members
 * with what their services' heartbeats say (who runs), join a waiting one
 * by wrapping a copy of the key with its public key, remove one, and tell
 * that member's running service (at once when it runs here). */
#include <config.h>

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "grow.h"
#include "member_view.h"
#include "ops_internal.h"
#include "service.h"   /* RS_SERVICE_STALE_INTERVALS, the signal */

const char *rs_member_view_state_text(rs_member_view_state s)
{
	switch (s) {
	case RS_VIEW_JOINED:
		return _("Joined");
	case RS_VIEW_WAITING:
		return _("Waiting to join");
	case RS_VIEW_NOT_ACTIVATED:
		return _("Not activated");
	case RS_VIEW_REMOVED:
		return _("Removed");
	}
	return "?";
}

bool rs_member_must_join(const rs_member_view *v)
{
	return !v->is_local && (v->state == RS_VIEW_WAITING ||
	    v->state == RS_VIEW_NOT_ACTIVATED);
}

/* ---- what the heartbeats say about the members ---- */

/* The members' heartbeats, to fill in each view's service state. */
typedef struct heartbeats {
	rs_heartbeat *list;
	bool *matched;         /* a member row has this heartbeat's ID */
	size_t n;
	int64_t now;
	uint32_t generation;   /* the current key's */
} heartbeats;

const char *rs_member_service_text(const rs_member_view *v)
{
	if (v->running)
		return _("Running");
	if (v->stale)
		return _("Stale");
	if (v->last_seen == 0)
		return _("Never started");
	return _("Stopped");
}

void rs_member_key_text(const rs_member_view *v, char *out, size_t size)
{
	if (!v->running)
		snprintf(out, size, "-");
	else if (v->service_old_key)
		snprintf(out, size, _("OLD key, generation %u"),
		    (unsigned)v->service_generation);
	else if (v->service_activated && v->service_generation > 0)
		snprintf(out, size, _("Activated, generation %u"),
		    (unsigned)v->service_generation);
	else if (v->service_activated)
		snprintf(out, size, "%s", _("Activated"));
	else
		snprintf(out, size, "%s", _("Not activated"));
}

static int heartbeat_cmp(const void *a, const void *b)
{
	return strcmp(((const rs_heartbeat *)a)->installation_id,
	    ((const rs_heartbeat *)b)->installation_id);
}

/* Sorted by installation ID, so each member finds its own in log n. */
static void heartbeats_load(rs_ctx *ctx, heartbeats *h)
{
	rs_error ignored = { 0 };

	memset(h, 0, sizeof *h);
	h->now = ops_now();
	if (ctx->store->ops->heartbeat_list(ctx->store, &h->list, &h->n,
	    &ignored) != RS_OK) {
		h->list = NULL;
		h->n = 0;
		return;
	}
	if (h->n > 1)
		qsort(h->list, h->n, sizeof *h->list, heartbeat_cmp);
	h->matched = calloc(h->n ? h->n : 1, sizeof *h->matched);
}

static int heartbeat_id_cmp(const void *id, const void *hb)
{
	return strcmp(id, ((const rs_heartbeat *)hb)->installation_id);
}

static void heartbeats_apply(const heartbeats *h, rs_member_view *v)
{
	const rs_heartbeat *hb;

	if (h->n == 0)
		return;
	hb = bsearch(v->installation_id, h->list, h->n, sizeof *h->list,
	    heartbeat_id_cmp);
	if (hb == NULL)
		return;
	rs_member_view_annotate(v, hb, h->now, h->generation);
	if (h->matched)
		h->matched[hb - h->list] = true;
}

static void heartbeats_free(heartbeats *h)
{
	free(h->list);
	free(h->matched);
	memset(h, 0, sizeof *h);
}

/* A service whose member row is gone (removed) but that still runs: the
 * list keeps showing it until it stops, so nobody takes the removal for
 * the end of it (issue 14).  Its heartbeat names the host only. */
static int removed_still_running(rs_ctx *ctx, const heartbeats *h,
    int (*fn)(void *arg, const rs_member_view *v), void *arg)
{
	int rc = RS_OK;

	for (size_t i = 0; rc == RS_OK && h->matched && i < h->n; i++) {
		rs_member_view v;

		if (h->matched[i])
			continue;
		memset(&v, 0, sizeof v);
		snprintf(v.installation_id, sizeof v.installation_id, "%s",
		    h->list[i].installation_id);
		snprintf(v.machine, sizeof v.machine, "%s", h->list[i].host);
		v.state = RS_VIEW_REMOVED;
		v.is_local = strcmp(v.installation_id,
		    ctx->cfg.installation_id) == 0;
		rs_member_view_annotate(&v, &h->list[i], h->now,
		    h->generation);
		if (v.running)
			rc = fn(arg, &v);
	}
	return rc;
}


static void view_of(rs_ctx *ctx, const rs_member *m, const rs_keyinfo *info,
    rs_member_view *v)
{
	memset(v, 0, sizeof *v);
	snprintf(v->installation_id, sizeof v->installation_id, "%s",
	    m->installation_id);
	snprintf(v->machine, sizeof v->machine, "%s", m->machine);
	snprintf(v->instance, sizeof v->instance, "%s", m->instance);
	snprintf(v->service_account, sizeof v->service_account, "%s",
	    m->service_account);
	rs_public_fingerprint(m->public_key, m->public_key_len, v->fingerprint);
	if (m->wrapped_key == NULL)
		v->state = RS_VIEW_WAITING;
	else if (!info->present || m->key_generation != info->generation)
		v->state = RS_VIEW_NOT_ACTIVATED;
	else
		v->state = RS_VIEW_JOINED;
	v->is_local = strcmp(m->installation_id, ctx->cfg.installation_id) == 0;
	v->created = m->created;
	v->joined = m->joined;
}

/* One walk over the members: each view is built on the stack, given its
 * service state and handed to fn, so 10,000 members cost no big array. */
typedef struct member_walk {
	rs_ctx *ctx;
	rs_keyinfo info;
	heartbeats hb;
	int (*fn)(void *arg, const rs_member_view *v);
	void *arg;
} member_walk;

static int walk_one(void *arg, const rs_member *m)
{
	member_walk *w = arg;
	rs_member_view v;

	view_of(w->ctx, m, &w->info, &v);
	heartbeats_apply(&w->hb, &v);
	return w->fn(w->arg, &v);
}

int rs_op_each_member(rs_ctx *ctx, int (*fn)(void *arg,
    const rs_member_view *v), void *arg, rs_error *err)
{
	rs_store *s = ctx->store;
	member_walk w = { .ctx = ctx, .fn = fn, .arg = arg };
	int rc = s->ops->keyinfo_get(s, &w.info, err);

	if (rc != RS_OK)
		return rc;
	heartbeats_load(ctx, &w.hb);
	w.hb.generation = w.info.present ? w.info.generation : 0;
	rc = s->ops->member_each(s, walk_one, &w, err);
	if (rc == RS_OK)
		rc = removed_still_running(ctx, &w.hb, fn, arg);
	heartbeats_free(&w.hb);
	return rc;
}

typedef struct view_list {
	rs_member_view *views;
	size_t n, cap;
} view_list;

static int add_view(void *arg, const rs_member_view *v)
{
	view_list *l = arg;

	if (rs_grow(&l->views, l->n, &l->cap, sizeof *l->views, 16) != 0)
		return RS_ERR_INTERNAL;
	l->views[l->n++] = *v;
	return RS_OK;
}

int rs_op_list_members(rs_ctx *ctx, rs_member_view **out, size_t *n,
    rs_error *err)
{
	view_list l = { 0 };
	int rc = rs_op_each_member(ctx, add_view, &l, err);

	*out = NULL;
	*n = 0;
	if (rc == RS_ERR_INTERNAL && (err == NULL || err->code == RS_OK))
		rs_err(err, rc, _("out of memory"));
	if (rc != RS_OK) {
		free(l.views);
		return rc;
	}
	*out = l.views ? l.views : calloc(1, sizeof **out);
	*n = l.n;
	return *out ? RS_OK : rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
}

static int get_member(rs_ctx *ctx, const char *id, rs_member *m,
    rs_error *err)
{
	int rc = ctx->store->ops->member_get(ctx->store, id, m, err);

	if (rc == RS_ERR_NOT_FOUND) {
		rs_err_clear(err);
		rc = rs_err(err, RS_ERR_NOT_FOUND, _("No member with installation "
		    "ID %s in this scale-out deployment; rskeymgmt --list shows "
		    "them."), id);
	}
	return rc;
}

/* ---- membership reaches the member's running service (issue 14) ---- */

/* A join or a removal, and what its service must be told. */
typedef struct member_change {
	const char *id;
	bool allow_last;           /* removal */
	bool joined;               /* a join, else a removal */
	uint32_t generation;       /* the key's, for a join's confirmation */
	char machine[RS_NAME_MAX], instance[RS_NAME_MAX];
	char account[RS_NAME_MAX];
} member_change;

/* How long the admin waits for a told service's heartbeat to confirm:
 * it reloads in milliseconds and beats right after. */
#define REACH_CONFIRM_MS 2500
#define REACH_POLL_MS 50

static void change_note(member_change *c, const rs_member *m)
{
	snprintf(c->machine, sizeof c->machine, "%s", m->machine);
	snprintf(c->instance, sizeof c->instance, "%s", m->instance);
	snprintf(c->account, sizeof c->account, "%s", m->service_account);
}

const rs_member_reach *rs_op_member_reach(const rs_ctx *ctx)
{
	return &ctx->reach;
}

const char *rs_reach_name(rs_reach_how how)
{
	switch (how) {
	case RS_REACH_NOT_RUNNING:
		return "not-running";
	case RS_REACH_CONFIRMED:
		return "confirmed";
	case RS_REACH_NEXT_HEARTBEAT:
		return "next-heartbeat";
	case RS_REACH_NONE:
		break;
	}
	return "";
}

static void reach_say(rs_ctx *ctx, rs_reach_how how, int within,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One sentence for both faces: a step (the TUI) and ctx->reach (the CLI). */
static void reach_say(rs_ctx *ctx, rs_reach_how how, int within,
    const char *fmt, ...)
{
	va_list ap;

	ctx->reach.how = how;
	ctx->reach.within = within;
	va_start(ap, fmt);
	vsnprintf(ctx->reach.text, sizeof ctx->reach.text, fmt, ap);
	va_end(ap);
	ops_step(ctx, how == RS_REACH_NEXT_HEARTBEAT ? RS_STEP_WARNING :
	    RS_STEP_OK, "%s", ctx->reach.text);
}

/* The member's heartbeat row, if it has one. */
static bool heartbeat_of(rs_ctx *ctx, const char *id, rs_heartbeat *out)
{
	rs_heartbeat *list = NULL;
	rs_error ignored = { 0 };
	size_t n = 0;
	bool found = false;

	if (ctx->store->ops->heartbeat_list(ctx->store, &list, &n,
	    &ignored) != RS_OK)
		return false;
	for (size_t i = 0; !found && i < n; i++)
		if (strcmp(list[i].installation_id, id) == 0) {
			*out = list[i];
			found = true;
		}
	free(list);
	return found;
}

/* Its row is written by its account: any interval is clamped. */
static int within_of(const rs_heartbeat *hb)
{
	if (hb->interval < 1)
		return 1;
	return hb->interval > 3600 ? 3600 : (int)hb->interval;
}

static bool heartbeat_confirms(const member_change *c, const rs_heartbeat *hb)
{
	if (!c->joined)
		return strcmp(hb->state, "activated") != 0;
	return strcmp(hb->state, "activated") == 0 &&
	    hb->key_generation == (int64_t)c->generation;
}

/* A told service reloads and beats at once: its row says so. */
static bool wait_confirmed(rs_ctx *ctx, const member_change *c)
{
	struct timespec ts = { 0, REACH_POLL_MS * 1000000L };
	rs_heartbeat hb;

	for (int waited = 0; waited <= REACH_CONFIRM_MS;
	    waited += REACH_POLL_MS) {
		if (heartbeat_of(ctx, c->id, &hb) && heartbeat_confirms(c, &hb))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Tells the service; false (err says why) when it cannot be. */
static bool reach_tell(rs_ctx *ctx, const member_change *c,
    const rs_heartbeat *hb, rs_error *err)
{
	if (strcmp(c->id, ctx->cfg.installation_id) == 0) {
		if (ops_service_reload_local(ctx))
			return true;
		rs_err(err, RS_ERR_STATE, "%s", _("it did not take the signal"));
		return false;
	}
	return rs_service_signal_member(c->account, hb->pid, SIGHUP,
	    err) == RS_OK;
}

static void reach_confirmed(rs_ctx *ctx, const member_change *c, int64_t pid)
{
	if (c->joined)
		reach_say(ctx, RS_REACH_CONFIRMED, 0, _("The report server "
		    "service of %s\\%s (pid %" PRId64 ") loaded the key at once: "
		    "activated, key generation %" PRIu32), c->machine,
		    c->instance, pid, c->generation);
	else
		reach_say(ctx, RS_REACH_CONFIRMED, 0, _("The report server "
		    "service of %s\\%s (pid %" PRId64 ") dropped the key at once: "
		    "it no longer decrypts"), c->machine, c->instance, pid);
}

/* After the commit: the member's service hears of it now when it runs on
 * this machine, else at its next heartbeat (rsserverd's membership_follow).
 * Root signals only a pid that /proc shows is our rsserverd running as the
 * member's account (rs_service_signal_member). */
static void member_reach(rs_ctx *ctx, const member_change *c)
{
	char host[RS_NAME_MAX] = "";
	rs_heartbeat hb;
	rs_member_view v;
	rs_error err = { 0 };

	memset(&v, 0, sizeof v);
	if (heartbeat_of(ctx, c->id, &hb))
		rs_member_view_annotate(&v, &hb, ops_now(), c->generation);
	if (!v.running) {
		reach_say(ctx, RS_REACH_NOT_RUNNING, 0, _("The report server "
		    "service of %s\\%s is not running; it reads its membership "
		    "when it starts."), c->machine, c->instance);
		return;
	}
	if (gethostname(host, sizeof host - 1) != 0 || strcmp(host,
	    hb.host) != 0) {
		reach_say(ctx, RS_REACH_NEXT_HEARTBEAT, within_of(&hb), _("The "
		    "report server service of %s\\%s runs on %s, not here: it "
		    "will notice at its next heartbeat (within %d s)."),
		    c->machine, c->instance, hb.host, within_of(&hb));
		return;
	}
	if (!reach_tell(ctx, c, &hb, &err)) {
		reach_say(ctx, RS_REACH_NEXT_HEARTBEAT, within_of(&hb), _("The "
		    "report server service of %s\\%s was not told (%s); it will "
		    "notice at its next heartbeat (within %d s)."), c->machine,
		    c->instance, err.message, within_of(&hb));
		return;
	}
	if (wait_confirmed(ctx, c)) {
		reach_confirmed(ctx, c, hb.pid);
		return;
	}
	reach_say(ctx, RS_REACH_NEXT_HEARTBEAT, within_of(&hb), _("The report "
	    "server service of %s\\%s (pid %" PRId64 ") was told but has not "
	    "confirmed yet; it will notice at its next heartbeat (within %d s)."),
	    c->machine, c->instance, hb.pid, within_of(&hb));
}

static void change_done(rs_ctx *ctx, void *arg)
{
	member_reach(ctx, arg);
}

static int join_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	member_change *c = arg;
	const char *id = c->id;
	ops_unlocked u;
	rs_member m;
	int rc = ops_unlock(ctx, &u, NULL, err);

	if (rc != RS_OK)
		return rc;
	memset(&m, 0, sizeof m);
	rc = get_member(ctx, id, &m, err);
	if (rc == RS_OK && m.wrapped_key && m.key_generation == u.info.generation)
		rc = rs_err(err, RS_ERR_STATE, _("%s\\%s has already joined."),
		    m.machine, m.instance);
	if (rc == RS_OK)
		rc = ops_wrap_for(ctx, &m, u.key, u.info.generation, err);
	if (rc == RS_OK) {
		ops_step(ctx, RS_STEP_OK, _("Gave %s\\%s a copy of the key"),
		    m.machine, m.instance);
		change_note(c, &m);
		c->generation = u.info.generation;
	}
	rs_member_clear(&m);
	ops_unlocked_free(&u);
	return rc;
}

int rs_op_join(rs_ctx *ctx, const char *installation_id, rs_error *err)
{
	member_change c = { .id = installation_id, .joined = true };
	ops_op op = { .name = "join", .target = installation_id,
	    .arg = &c, .work = join_locked, .done = change_done };

	memset(&ctx->reach, 0, sizeof ctx->reach);
	return ops_run(ctx, &op, err);
}

static size_t count_joined(rs_member *members, size_t n)
{
	size_t joined = 0;

	for (size_t i = 0; i < n; i++)
		joined += members[i].wrapped_key != NULL;
	return joined;
}

static int remove_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	member_change *r = arg;
	const char *id = r->id;
	bool allow_last = r->allow_last;
	rs_member *members = NULL, m;
	size_t n = 0;
	int rc;

	memset(&m, 0, sizeof m);
	rc = get_member(ctx, id, &m, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->member_list(ctx->store, &members, &n, err);
	if (rc == RS_OK && m.wrapped_key && count_joined(members, n) == 1 &&
	    !allow_last)
		rc = rs_err(err, RS_ERR_STATE, _("%s\\%s is the last member that "
		    "holds the key: removing it leaves no instance able to use "
		    "the encrypted content. Back up the key first, then use "
		    "--allow-last."), m.machine, m.instance);
	if (rc == RS_OK)
		rc = ctx->store->ops->member_delete(ctx->store, id, err);
	if (rc == RS_OK) {
		ops_step(ctx, RS_STEP_OK, _("Removed %s\\%s"), m.machine, m.instance);
		change_note(r, &m);
	}
	rs_members_free(members, n);
	rs_member_clear(&m);
	return rc;
}

int rs_op_remove(rs_ctx *ctx, const char *installation_id, bool allow_last,
    rs_error *err)
{
	member_change r = { .id = installation_id, .allow_last = allow_last };
	ops_op op = { .name = "remove", .target = installation_id, .arg = &r,
	    .work = remove_locked, .done = change_done };

	memset(&ctx->reach, 0, sizeof ctx->reach);
	return ops_run(ctx, &op, err);
}

/* ---- who runs ---- */

/* Appends "MACHINE\INSTANCE (pid N)"; a long list is cut, not overrun. */
static void name_append(char *names, size_t size, const rs_member_view *v)
{
	size_t used = strlen(names);

	if (used + 1 < size && snprintf(names + used, size - used,
	    "%s%s\\%s (pid %" PRId64 ")", used ? ", " : "", v->machine,
	    v->instance, v->service_pid) < 0)
		names[used] = '\0';
}

static int note_running(void *arg, const rs_member_view *v)
{
	rs_running *r = arg;

	if (!v->running)
		return RS_OK;
	r->count++;
	r->local = r->local || v->is_local;
	name_append(r->names, sizeof r->names, v);
	return RS_OK;
}

int rs_op_who_runs(rs_ctx *ctx, rs_running *out, rs_error *err)
{
	memset(out, 0, sizeof *out);
	return rs_op_each_member(ctx, note_running, out, err);
}

int ops_members_check_stopped(rs_ctx *ctx, bool force, rs_error *err)
{
	rs_running r;
	int rc = rs_op_who_runs(ctx, &r, err);

	if (rc != RS_OK || r.count == 0)
		return rc;
	if (force) {
		ops_step(ctx, RS_STEP_WARNING, _("Forced while the report server "
		    "service runs on: %s; they keep the old key until restarted"),
		    r.names);
		return RS_OK;
	}
	return rs_err(err, RS_ERR_STATE, _("The report server service is "
	    "running on: %s. Stop it on every member first (rskeymgmt --stop "
	    "on each), or force the change (--force) and restart them after."),
	    r.names);
}

/* ---- what a running service follows (issue 14) ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

int rs_service_member_stamp(rs_ctx *ctx, uint64_t *stamp, rs_error *err)
{
	rs_store *s = ctx->store;
	rs_keyinfo info;
	rs_member m;
	uint64_t h = 0xcbf29ce484222325ULL;
	int rc = s->ops->keyinfo_get(s, &info, err);

	memset(&m, 0, sizeof m);
	if (rc == RS_OK)
		rc = s->ops->member_get(s, ctx->cfg.installation_id, &m, err);
	if (rc == RS_ERR_NOT_FOUND) {
		rs_err_clear(err);
		rc = RS_OK;   /* removed: hashes as no row */
	}
	if (rc != RS_OK)
		return rc;
	h = fnv(h, &info.present, sizeof info.present);
	h = fnv(h, &info.generation, sizeof info.generation);
	h = fnv(h, info.kcv, strlen(info.kcv));
	h = fnv(h, m.installation_id, strlen(m.installation_id));
	h = fnv(h, &m.key_generation, sizeof m.key_generation);
	h = fnv(h, &m.wrapped_key_len, sizeof m.wrapped_key_len);
	if (m.wrapped_key)
		h = fnv(h, m.wrapped_key, m.wrapped_key_len);
	if (m.public_key)
		h = fnv(h, m.public_key, m.public_key_len);
	rs_member_clear(&m);
	*stamp = h;
	return RS_OK;
}

/* ---- the change's candidates: what the admin reviews ---- */

typedef struct candidates {
	rs_reviewed *list;
	size_t n, cap;
	uint32_t generation;
} candidates;

static int candidate_add(void *arg, const rs_member *m)
{
	candidates *c = arg;
	rs_reviewed *r;

	if (m->wrapped_key == NULL || m->key_generation != c->generation)
		return RS_OK;
	if (rs_grow(&c->list, c->n, &c->cap, sizeof *c->list, 16) != 0)
		return RS_ERR_INTERNAL;
	r = &c->list[c->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->installation_id, sizeof r->installation_id, "%s",
	    m->installation_id);
	snprintf(r->machine, sizeof r->machine, "%s", m->machine);
	snprintf(r->instance, sizeof r->instance, "%s", m->instance);
	rs_public_fingerprint(m->public_key, m->public_key_len, r->fingerprint);
	return RS_OK;
}

int rs_op_change_candidates(rs_ctx *ctx, rs_reviewed **out, size_t *n,
    rs_error *err)
{
	rs_store *s = ctx->store;
	rs_keyinfo info;
	candidates c = { 0 };
	int rc = s->ops->keyinfo_get(s, &info, err);

	*out = NULL;
	*n = 0;
	c.generation = info.present ? info.generation : 0;
	if (rc == RS_OK && info.present)
		rc = s->ops->member_each(s, candidate_add, &c, err);
	if (rc == RS_ERR_INTERNAL && (err == NULL || err->code == RS_OK))
		rs_err(err, rc, _("out of memory"));
	if (rc == RS_OK && c.list == NULL && (c.list = calloc(1,
	    sizeof *c.list)) == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rc != RS_OK) {
		free(c.list);
		return rc;
	}
	*out = c.list;
	*n = c.n;
	return RS_OK;
}

const rs_reviewed *ops_reviewed_find(const rs_reviewed *list, size_t n,
    const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].installation_id, id) == 0)
			return &list[i];
	return NULL;
}

bool rs_reviewed_same(const rs_reviewed *a, size_t na, const rs_reviewed *b,
    size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		const rs_reviewed *o = ops_reviewed_find(b, nb, a[i].installation_id);

		if (o == NULL || strcmp(o->fingerprint, a[i].fingerprint) != 0)
			return false;
	}
	return true;
}

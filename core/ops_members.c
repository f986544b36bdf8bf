/* SPDX-License-Identifier: ISC */
/* ops_members.c: the scale-out deployment (seeds 000, 002): list members
 * with what their services' heartbeats say (who runs), join a waiting one
 * by wrapping a copy of the key with its public key, remove one. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops_internal.h"
#include "service.h"   /* RS_SERVICE_STALE_INTERVALS */

const char *rs_member_view_state_text(rs_member_view_state s)
{
	switch (s) {
	case RS_VIEW_JOINED:
		return _("Joined");
	case RS_VIEW_WAITING:
		return _("Waiting to join");
	case RS_VIEW_NOT_ACTIVATED:
		return _("Not activated");
	}
	return "?";
}

/* ---- what the heartbeats say about the members ---- */

/* The members' heartbeats, to fill in each view's service state. */
typedef struct heartbeats {
	rs_heartbeat *list;
	size_t n;
	int64_t now;
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

static void annotate_one(rs_member_view *v, const rs_heartbeat *hb,
    int64_t now)
{
	int64_t interval = hb->interval > 0 ? hb->interval : 1;
	bool up = strcmp(hb->state, "stopped") != 0;

	v->last_seen = hb->last_seen;
	v->service_pid = hb->pid;
	v->running = up && now - hb->last_seen <=
	    RS_SERVICE_STALE_INTERVALS * interval;
	v->stale = up && !v->running;
	v->service_activated = v->running && strcmp(hb->state, "activated") == 0;
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
	if (hb != NULL)
		annotate_one(v, hb, h->now);
}

static void heartbeats_free(heartbeats *h)
{
	free(h->list);
	memset(h, 0, sizeof *h);
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
	rc = s->ops->member_each(s, walk_one, &w, err);
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

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		rs_member_view *grown = realloc(l->views, cap * sizeof *grown);

		if (grown == NULL)
			return RS_ERR_INTERNAL;
		l->views = grown;
		l->cap = cap;
	}
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

static int join_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	const char *id = arg;
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
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("Gave %s\\%s a copy of the key"),
		    m.machine, m.instance);
	rs_member_clear(&m);
	ops_unlocked_free(&u);
	return rc;
}

int rs_op_join(rs_ctx *ctx, const char *installation_id, rs_error *err)
{
	ops_op op = { .name = "join", .target = installation_id,
	    .arg = (void *)installation_id, .work = join_locked };

	return ops_run(ctx, &op, err);
}

static size_t count_joined(rs_member *members, size_t n)
{
	size_t joined = 0;

	for (size_t i = 0; i < n; i++)
		joined += members[i].wrapped_key != NULL;
	return joined;
}

typedef struct removal {
	const char *id;
	bool allow_last;
} removal;

static int remove_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	const removal *r = arg;
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
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("Removed %s\\%s"), m.machine, m.instance);
	rs_members_free(members, n);
	rs_member_clear(&m);
	return rc;
}

int rs_op_remove(rs_ctx *ctx, const char *installation_id, bool allow_last,
    rs_error *err)
{
	removal r = { installation_id, allow_last };
	ops_op op = { .name = "remove", .target = installation_id, .arg = &r,
	    .work = remove_locked };

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

/* SPDX-License-Identifier: ISC */
/* key.c: the key in memory, the state it gives (activated or not, and why)
 * and the heartbeat that records that state in the database. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rsserverd.h"

void key_status_text(const struct daemon *d, char *out, size_t size)
{
	if (d->key != NULL)
		snprintf(out, size, _("activated, key generation %" PRIu32),
		    rs_service_key_generation(d->key));
	else
		snprintf(out, size, _("NOT ACTIVATED: %s"), d->reason);
}

static void state_announce(const struct daemon *d)
{
	char status[RS_ERROR_MESSAGE_MAX + 64];

	if (d->key != NULL)
		log_event(LOG_INFO, "activated", _("key generation %" PRIu32
		    ", check value %s"), rs_service_key_generation(d->key),
		    rs_service_key_kcv(d->key));
	else
		log_event(LOG_ERR, "not-activated", _("not activated "
		    "(RSReportServerNotActivated, %s): %s"),
		    rs_activation_name(d->activation), d->reason);
	key_status_text(d, status, sizeof status);
	notify_status(status);
}

static void set_state(struct daemon *d, const char *state, const char *reason)
{
	bool changed = strcmp(d->state, state) != 0 ||
	    strcmp(d->reason, reason) != 0;

	snprintf(d->state, sizeof d->state, "%s", state);
	snprintf(d->reason, sizeof d->reason, "%s", reason);
	if (!changed)
		return;
	d->since = (int64_t)time(NULL);
	state_announce(d);
}

/* Opens the database and unwraps the key again: after SIGHUP, and while
 * the database could not be opened. */
void key_load(struct daemon *d)
{
	rs_activation why = RS_NOT_INITIALIZED;
	rs_error err = { 0 };

	rs_service_key_free(d->key);
	d->key = NULL;
	rs_ctx_close(d->ctx);
	d->ctx = NULL;
	if (rs_ctx_open(d->config_path, &d->ctx, &err) != RS_OK) {
		d->activation = RS_NOT_INITIALIZED;
		set_state(d, "not-activated", err.message);
		return;
	}
	d->activation = RS_ACTIVATED;
	/* Read before the key: a change in between shows at the next beat. */
	if (rs_service_member_stamp(d->ctx, &d->member_stamp, &err) != RS_OK)
		d->member_stamp = 0;
	rs_err_clear(&err);
	if (rs_service_unlock(d->ctx, &d->key, &why, &err) != RS_OK) {
		d->activation = why;
		set_state(d, "not-activated", err.message);
		return;
	}
	set_state(d, "activated", "");
}

/* Membership reaches the running service (issue 14): a join, a removal
 * or a new key changes this instance's stamp; the key is then loaded
 * again, or dropped from memory when this instance no longer holds a copy.
 * Every heartbeat asks, so a member on another machine notices within one
 * interval; the database is the only channel there is between machines.
 * On this machine the admin's join or removal sends a SIGHUP at once. */
bool membership_changed(struct daemon *d)
{
	uint64_t stamp = 0;
	rs_error err = { 0 };

	if (d->ctx == NULL || rs_service_member_stamp(d->ctx, &stamp, &err) !=
	    RS_OK || stamp == d->member_stamp)
		return false;
	log_event(LOG_INFO, "membership-changed", "%s",
	    _("this instance's membership or the key changed: loading the key "
	    "again"));
	return true;
}

static void membership_follow(struct daemon *d)
{
	if (membership_changed(d))
		key_load(d);
}

void heartbeat(struct daemon *d, const char *state)
{
	rs_heartbeat hb;
	rs_error err = { 0 };

	if (strcmp(state, "stopped") != 0)
		membership_follow(d);
	if (d->ctx == NULL)
		return;
	memset(&hb, 0, sizeof hb);
	snprintf(hb.installation_id, sizeof hb.installation_id, "%s",
	    d->cfg.installation_id);
	hb.last_seen = (int64_t)time(NULL);
	hb.pid = (int64_t)getpid();
	snprintf(hb.host, sizeof hb.host, "%s", d->host);
	snprintf(hb.version, sizeof hb.version, "%s", PACKAGE_VERSION);
	snprintf(hb.state, sizeof hb.state, "%s", state);
	snprintf(hb.reason, sizeof hb.reason, "%s", d->reason);
	hb.interval = d->interval;
	hb.key_generation = d->key ? rs_service_key_generation(d->key) : 0;
	if (rs_service_heartbeat(d->ctx, &hb, &err) == RS_OK) {
		d->last_beat_error[0] = '\0';
		return;
	}
	/* Once per distinct failure: a busy database must not flood the log. */
	if (strcmp(err.message, d->last_beat_error) != 0)
		log_event(LOG_WARNING, "heartbeat-failed", _("cannot record the "
		    "heartbeat: %s"), err.message);
	snprintf(d->last_beat_error, sizeof d->last_beat_error, "%s",
	    err.message);
}

/* SPDX-License-Identifier: ISC */
/* main.c: rsserverd's start and stop (see rsserverd.h for what it does).
 *
 * The order matters: the config says who to be; root prepares the runtime
 * folder and switches to the service account; then the run lock, the log
 * and the socket; then the key.  systemd hears READY=1 only after that, so
 * "systemctl start" returns when the socket answers and STATUS= says
 * whether the instance is activated. */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rsserverd.h"
#include "secret.h"

static void shutdown_clean(struct daemon *d)
{
	if (d->lock_held) {
		notify_stopping();
		log_event(LOG_INFO, "stopping", "%s", _("stopping"));
		heartbeat(d, "stopped");
	}
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->paths.socket);
	}
	rs_service_key_free(d->key);
	rs_ctx_close(d->ctx);
	runtime_unlock(d);
}

static int start(struct daemon *d, rs_error *err)
{
	struct passwd *pw;
	int rc = rs_config_load(d->config_path, &d->cfg, err);

	if (rc != RS_OK)
		return rc;
	rs_service_paths_of(&d->cfg, &d->paths);
	rc = account_become(d, err);
	pw = getpwuid(geteuid());
	snprintf(d->account, sizeof d->account, "%s", pw ? pw->pw_name : "?");
	if (rc == RS_OK)
		rc = runtime_open(d, err);
	if (rc == RS_OK)
		rc = runtime_lock(d, err);
	/* From here on the starter's pipe is let go: output goes to the log. */
	if (rc == RS_OK && d->log_file != NULL)
		rc = log_file_open(d->log_file, err);
	if (rc == RS_OK)
		account_lock_memory();   /* before the key is loaded */
	if (rc == RS_OK) {
		d->listen_fd = rs_unix_listen(d->paths.socket, err);
		if (d->listen_fd < 0)
			rc = err->code;
	}
	return rc;
}

static void started(struct daemon *d)
{
	char status[RS_ERROR_MESSAGE_MAX + 64];

	log_event(LOG_INFO, "started", _("started for %s\\%s as %s, socket %s, "
	    "heartbeat every %d s"), d->cfg.machine, d->cfg.instance, d->account,
	    d->paths.socket, d->interval);
	key_load(d);
	key_status_text(d, status, sizeof status);
	notify_ready(status);
}

int main(int argc, char **argv)
{
	struct daemon d;
	rs_error err = { 0 };
	int rc;

	rs_harden_process();
	rs_i18n_init(NULL);
	memset(&d, 0, sizeof d);
	d.interval = RS_SERVICE_HEARTBEAT_DEFAULT;
	d.lock_fd = d.listen_fd = -1;
	rc = args_parse(argc, argv, &d);
	if (rc >= 0)
		return rc;
	serve_signals_setup(&d.wait_mask);
	umask(007);
	log_init();
	notify_init();
	if (gethostname(d.host, sizeof d.host) != 0)
		snprintf(d.host, sizeof d.host, "localhost");
	rc = start(&d, &err);
	if (rc != RS_OK) {
		log_event(LOG_ERR, "start-failed", "%s", err.message);
		notify_status(err.message);
		shutdown_clean(&d);
		return rs_err_exit_status(rc);
	}
	started(&d);
	serve(&d);
	shutdown_clean(&d);
	return 0;
}

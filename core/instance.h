/* SPDX-License-Identifier: ISC */
/* instance.h: the instance config file, the analogue of RSReportServer.config.
 *
 *   # comment
 *   installation_id = 0f8fad5b-d9cb-469f-a165-70867728950e
 *   machine         = reports01
 *   instance        = MSSQLSERVER
 *   database        = /var/lib/rsconfig/reportserver.db   (relative: to the file)
 *   service_account = rsservice
 *   keystore        = /var/lib/rsconfig/keys/MSSQLSERVER  (relative: to the file)
 *
 * Optional, for a report server database on PostgreSQL:
 *   backend         = postgresql          (default: sqlite)
 *   connection      = host=db01 dbname=reportserver user=rs   (or service=NAME)
 *   pgpassfile      = /etc/rsconfig/pgpass  (default: PGPASSFILE, ~/.pgpass)
 * The password is never in the config: a connection with password= is
 * refused, libpq reads it from the pgpass file or the service file.  With
 * postgresql, database is optional; it defaults to "reportserver" next to
 * the file.
 *
 * Optional everywhere (NAME is the config file's name without ".conf", the
 * instance of the systemd unit rsserverd@NAME):
 *   runtime         = /run/rsconfig/NAME     rsserverd's socket, lock, log
 *                     (default: RUNSTATEDIR/rsconfig/NAME)
 *   audit_log       = /var/log/rsconfig/NAME-audit.log   (the default)
 *
 * The parser is strict: every key once, no unknown key, no missing key;
 * errors name the file and the line. */
#ifndef RS_INSTANCE_H
#define RS_INSTANCE_H

#include <limits.h>
#include <stdbool.h>
#include "err.h"

#define RS_ID_LEN 36          /* a UUID in text form */
#define RS_NAME_MAX 256       /* machine, instance, account names */

typedef struct rs_config {
	char path[PATH_MAX];            /* the file this came from, absolute */
	char installation_id[RS_ID_LEN + 1];
	char machine[RS_NAME_MAX];
	char instance[RS_NAME_MAX];
	char database[PATH_MAX];        /* absolute after load */
	char service_account[RS_NAME_MAX];
	char keystore[PATH_MAX];        /* absolute after load */
	char backend[16];               /* "sqlite" or "postgresql" */
	char connection[1024];          /* libpq conninfo, postgresql only */
	char pgpassfile[PATH_MAX];      /* "" or absolute after load */
	bool database_implicit;         /* postgresql: database was defaulted */
	/* rsserverd's folder for its socket, run lock and log, absolute after
	 * load: RUNSTATEDIR/rsconfig/NAME unless the file says otherwise
	 * (runtime_implicit).  "" in a config not loaded from a file
	 * (service.h then uses KEYSTORE.run). */
	char runtime[PATH_MAX];
	bool runtime_implicit;
	/* The audit log of key operations, absolute after load:
	 * LOGDIR/rsconfig/NAME-audit.log unless the file says otherwise. */
	char audit_log[PATH_MAX];
	bool audit_log_implicit;
	bool machine_implicit;          /* the host name: the file has none */
} rs_config;

#define RS_BACKEND_SQLITE "sqlite"
#define RS_BACKEND_POSTGRESQL "postgresql"

/* True when cfg names the PostgreSQL backend. */
bool rs_config_is_postgresql(const rs_config *cfg);
/* Checks a libpq connection string for a password (password=KEY or a
 * URI's user:password@); RS_ERR_CONFIG saying why when it holds one. */
int rs_config_check_connection(const char *conninfo, rs_error *err);

/* The config to use when none is given: $RSCONFIG, then
 * SYSCONFDIR/rsconfig/rsreportserver.conf. */
const char *rs_config_default_path(void);

int rs_config_load(const char *path, rs_config *cfg, rs_error *err);
/* Writes atomically (temp file in the same folder, fsync, rename), mode 0640.
 * Paths are written as they are in cfg. */
int rs_config_save(const rs_config *cfg, const char *path, rs_error *err);

/* Checks that text is a UUID (8-4-4-4-12 hex digits). */
int rs_uuid_valid(const char *text);
/* Makes a random version-4 UUID; out has RS_ID_LEN + 1 bytes. */
int rs_uuid_generate(char *out, rs_error *err);

#endif

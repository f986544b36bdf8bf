/* SPDX-License-Identifier: ISC */
/* table.c: every command and option of rskeymgmt, once.  getopt's short
 * and long options, --help, the hidden --list-options of the bash
 * completion and the checks of tests/cli/commands.sh are made from it.
 * Within a section, the order is the order of --help. */
#include <config.h>

#include <stddef.h>
#include "rskeymgmt.h"

/* A command: runs one operation; exactly one is given. */
#define CMD(s, name, arg, sec, flags, run, help) \
	{ s, name, arg, sec, flags, run, NULL, 0, help }
/* An option: sets the field of struct cli with set. */
#define OPT(s, name, arg, sec, flags, set, field, help) \
	{ s, name, arg, sec, flags, NULL, set, offsetof(struct cli, field), help }

/* An rskeymgmt.exe flag that has another answer here (doc/ssrs.md). */
#define HABIT(s, help) { s, NULL, NULL, SEC_HIDDEN, F_HABIT, NULL, \
	opt_habit, 0, help }

const struct rk_option rk_options[] = {
	CMD('e', "extract", NULL, SEC_COMMANDS, F_FILE, cmd_extract,
	    N_("back up the key to -f FILE")),
	CMD('a', "apply", NULL, SEC_COMMANDS, F_FILE, cmd_apply,
	    N_("restore the key from -f FILE (--force\n"
	    "when it would lose readable values)")),
	CMD(0, "check-backup", NULL, SEC_COMMANDS, F_FILE, cmd_check_backup,
	    N_("open -f FILE, say what it holds and how\n"
	    "many values it opens; changes nothing")),
	CMD('d', "delete", NULL, SEC_COMMANDS, F_CONFIRM, cmd_delete,
	    N_("delete the key and all encrypted content")),
	CMD('s', "reencrypt", NULL, SEC_COMMANDS, F_CONFIRM, cmd_reencrypt,
	    N_("change the key and re-encrypt every value")),
	CMD('l', "list", NULL, SEC_COMMANDS, 0, cmd_list,
	    N_("list scale-out members and their status")),
	CMD('j', "join", "ID", SEC_COMMANDS, F_UUID, cmd_join,
	    N_("join a member waiting to join")),
	CMD('r', "remove", "ID", SEC_COMMANDS, F_UUID | F_CONFIRM, cmd_remove,
	    N_("remove a member")),
	CMD(0, "status", NULL, SEC_COMMANDS, 0, cmd_status,
	    N_("is this instance activated, and why not")),
	CMD(0, "init", NULL, SEC_COMMANDS, F_INIT, cmd_init,
	    N_("initialize this instance (first start or join)")),
	CMD(0, "service-account", "USER", SEC_COMMANDS, F_CONFIRM, cmd_account,
	    N_("change the service account; needs\n"
	    "-f FILE (a backup is made first) or\n"
	    "--backup-exists")),
	CMD(0, "verify", NULL, SEC_COMMANDS, 0, cmd_verify,
	    N_("decrypt every value and report counts")),
	CMD(0, "migrate-to", "CONNINFO", SEC_COMMANDS, 0, cmd_migrate,
	    N_("copy this SQLite database to PostgreSQL\n"
	    "(libpq connection string, password in\n"
	    "PGPASSFILE or ~/.pgpass), check every\n"
	    "value there, then use it")),
	CMD(0, "missing", NULL, SEC_COMMANDS, 0, cmd_missing,
	    N_("list every value to re-enter: deleted,\n"
	    "sealed with another key, or damaged")),
	CMD(0, "set-value", "ITEM", SEC_COMMANDS, 0, cmd_set_value,
	    N_("re-enter one value (ITEM as --missing\n"
	    "prints it) from --value-file FILE,\n"
	    "--value-fd N, or typed twice")),
	CMD(0, "import", "FILE", SEC_COMMANDS, 0, cmd_import,
	    N_("re-enter values from a JSON Lines file\n"
	    "of {\"item\":...,\"value\":...} (mode 0600;\n"
	    "all or nothing)")),

	CMD(0, "start", NULL, SEC_SERVICE, 0, cmd_start,
	    N_("start it in the background; wait until it\n"
	    "answers (--heartbeat SECONDS, default 5)")),
	CMD(0, "stop", NULL, SEC_SERVICE, 0, cmd_stop,
	    N_("stop it and wait until it is gone")),
	CMD(0, "service-status", NULL, SEC_SERVICE, 0, cmd_service_status,
	    N_("is it running, and is it activated")),
	CMD(0, "test-datasource", "NAME", SEC_SERVICE, 0, cmd_test_datasource,
	    N_("ask it to decrypt that data source\n"
	    "(answers ok or failed, never the value)")),
	OPT(0, "force", NULL, SEC_SERVICE, F_HELP_ONLY, opt_true, force,
	    N_("with --reencrypt: change the key although\n"
	    "members' services run (restart them after)")),

	OPT('c', "config", "FILE", SEC_OPTIONS, 0, opt_string, config,
	    N_("instance config (default: $RSCONFIG, then\n"
	    "the system path)")),
	OPT('f', "file", "FILE", SEC_OPTIONS, 0, opt_string, file,
	    N_("backup file")),
	OPT(0, "password-file", "FILE", SEC_OPTIONS, 0, opt_string,
	    password_file,
	    N_("read the password from the first line of FILE")),
	OPT(0, "password-fd", "N", SEC_OPTIONS, 0, opt_fd, password_fd,
	    N_("read the password from descriptor N")),
	OPT(0, "force", NULL, SEC_OPTIONS, 0, opt_true, force,
	    N_("with --apply: apply although values\n"
	    "readable now would be lost")),
	OPT(0, "recipient", "CERT", SEC_OPTIONS, 0, opt_recipient, recipients,
	    N_("with --extract: also for this certificate\n"
	    "(PEM, RSA; repeatable); without a password\n"
	    "option, for the certificates only")),
	OPT(0, "identity", "KEY", SEC_OPTIONS, 0, opt_string, identity,
	    N_("with --apply, --check-backup: open -f FILE\n"
	    "with this private key (PEM), no password")),
	OPT(0, "overwrite", NULL, SEC_OPTIONS, 0, opt_true, overwrite,
	    N_("with --extract: replace an earlier backup")),
	OPT(0, "value-file", "FILE", SEC_OPTIONS, 0, opt_string, value_file,
	    N_("with --set-value: read the value from\n"
	    "FILE (yours, mode 0600)")),
	OPT(0, "value-fd", "N", SEC_OPTIONS, 0, opt_value_fd, value_fd,
	    N_("with --set-value: read the value from\n"
	    "descriptor N")),
	OPT(0, "replace", NULL, SEC_OPTIONS, 0, opt_true, replace,
	    N_("with --import: also replace values that\n"
	    "are readable")),
	OPT(0, "yes", NULL, SEC_OPTIONS, 0, opt_true, yes,
	    N_("do not ask for confirmation")),
	OPT(0, "backup-exists", NULL, SEC_OPTIONS, 0, opt_true, backup_exists,
	    N_("with --service-account: a backup exists")),
	OPT(0, "allow-last", NULL, SEC_OPTIONS, 0, opt_true, allow_last,
	    N_("with --remove: remove the last joined member")),
	OPT(0, "check-backup-age", "DAYS", SEC_OPTIONS, 0, opt_string,
	    backup_age,
	    N_("with --status: exit 11 when the newest\n"
	    "backup of the key in use is older than\n"
	    "DAYS days, or there is none")),
	OPT(0, "json", NULL, SEC_OPTIONS, 0, opt_true, json,
	    N_("print one JSON object on standard output")),
	OPT('h', "help", NULL, SEC_OPTIONS, F_EXIT, opt_help, json,
	    N_("show this help and exit")),
	OPT('V', "version", NULL, SEC_OPTIONS, F_EXIT, opt_version, json,
	    N_("show the version and exit")),

	/* Explained in --start's line. */
	OPT(0, "heartbeat", "SECONDS", SEC_HIDDEN, 0, opt_heartbeat, heartbeat,
	    NULL),

	/* rskeymgmt.exe's flags; its -? is -h (parse.c). */
	HABIT('p', N_("-p: passwords are never taken from the command line; "
	    "use --password-file, --password-fd or the prompt")),
	HABIT('i', N_("-i: there is no instance name; give the instance's "
	    "config with -c FILE (or $RSCONFIG)")),
	HABIT('m', N_("-m: no remote joins; run rskeymgmt --init on the new "
	    "server, then --list and --join ID here")),
	HABIT('n', N_("-n: no remote joins; run rskeymgmt --init on the new "
	    "server, then --list and --join ID here")),
	HABIT('u', N_("-u: no remote account is needed; run rskeymgmt --init "
	    "on the new server, then --join ID here")),
	HABIT('v', N_("-v: no remote account is needed (see --join), and "
	    "passwords are never taken from the command line")),
	HABIT('t', N_("-t: there is no trace; errors are printed in full and "
	    "every change is in the audit log")),
};

const size_t rk_option_count = sizeof rk_options / sizeof rk_options[0];

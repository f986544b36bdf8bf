/* SPDX-License-Identifier: ISC */
/* help.c: the F1 help texts of every page and dialog, from the seed
 * documents.  Only text: dlg_form.c shows it. */
#include <config.h>

#include <string.h>

#include "ui_int.h"

typedef struct help_topic {
	const char *id;
	const char *title;
	const char *text;
} help_topic;

static const help_topic topics[] = {
	{ "status", N_("Help: Report Server Status"),
	  N_("Shows this report server instance: its installation ID, database, "
	  "service account and whether it is activated.\n\n"
	  "An initialized (activated) server can encrypt and decrypt data in the "
	  "report server database. If initialization fails, the report server "
	  "answers with the RSReportServerNotActivated error; the reason shown "
	  "here says what to do: restore a key backup, join the deployment from "
	  "an activated server, or, when no valid backup exists, delete the "
	  "encrypted content.\n\n"
	  "The last backup is flagged when there is none, or when it is older "
	  "than the last key change and so no longer holds the key in use.\n\n"
	  "Keys: Tab moves between the navigation, the page, its buttons and the "
	  "Results pane; Up/Down and PgUp/PgDn scroll; F5 refreshes; F10 quits.\n\n"
	  "r opens the Results history full screen: PgUp/PgDn and Home/End "
	  "scroll, / searches, n finds the next match, s saves it to a file, Esc "
	  "closes. Ctrl-L repaints the screen when it looks garbled. Without "
	  "function keys, Esc then 1 is F1 and Esc then 0 is F10.") },
	{ "keys", N_("Help: Encryption Keys"),
	  N_("Use the Encryption Keys page to manage the symmetric key that "
	  "encrypts and decrypts data in the report server database. The key is "
	  "created and applied automatically when the database is created. Keep "
	  "a backup copy: changing the service account, moving the installation "
	  "to another computer and configuring another instance to share the "
	  "database all need a valid copy of the key.\n\n"
	  "Periodically changing the key is a security best practice, for "
	  "example right after a major version upgrade.\n\n"
	  "Backup: copies the symmetric key to a file you name, protected by a "
	  "password. The key is never stored in plain text.\n\n"
	  "Restore: applies a saved copy of the key to this instance; you need "
	  "the file's password. Only restore the key the database currently "
	  "uses: restoring another key makes the encrypted data unreadable. "
	  "Afterwards initialize the other report servers of the deployment "
	  "(Scale-out Deployment, Add Server).\n\n"
	  "Change: creates a new key and re-encrypts every encrypted value. In a "
	  "scale-out deployment all copies are replaced: review the servers "
	  "first, so that only valid instances get the new key, and stop the "
	  "service on each of them. This can take long with many data sources "
	  "and subscriptions; Esc cancels and nothing is changed.\n\n"
	  "Delete: deletes the key and all encrypted content: connection "
	  "strings, stored credentials and the settings of subscriptions whose "
	  "delivery extensions encrypt them (such as file share delivery). This "
	  "cannot be undone; there is no automated way to re-enter the values. "
	  "Only delete the key if you cannot restore it.") },
	{ "account", N_("Help: Service Account"),
	  N_("The Report Server service runs under this Unix account. The "
	  "instance's private key belongs to that identity and unlocks the "
	  "symmetric key.\n\n"
	  "When you change the account here, the key is backed up first (the "
	  "Backup Encryption Key dialog, with its password policy), and then "
	  "re-encrypted for the new identity automatically. Without a backup the "
	  "change only happens when you state that a current backup exists.\n\n"
	  "If the account is changed with another tool, restore the key from a "
	  "backup afterwards (Encryption Keys, Restore).") },
	{ "scaleout", N_("Help: Scale-out Deployment"),
	  N_("A scale-out deployment is several report server instances sharing "
	  "one report server database. Each holds its own copy of the symmetric "
	  "key, encrypted with that instance's public key.\n\n"
	  "Joined: the server holds a copy and can serve reports.\n"
	  "Waiting to join: the server stored its installation ID and public key "
	  "but has no copy yet; select it and choose Add Server: this instance "
	  "encrypts a copy of the key with the newcomer's public key.\n"
	  "Not activated: its copy belongs to another key generation.\n\n"
	  "Remove Server deletes a server's copy; you are offered a key backup "
	  "first, and warned when it is the last server holding the key. The "
	  "server marked * is this instance.") },
	{ "audit", N_("Help: Audit Log"),
	  N_("Every key operation leaves a record: when, who, from where, what "
	  "and the outcome. Newest first; Up/Down and PgUp/PgDn scroll. The log "
	  "never holds a key or a password.") },
	{ "backup", N_("Help: Backup Encryption Key"),
	  N_("A backup of the encryption key is essential to keep access to "
	  "encrypted connection strings and credentials. You need one to move the "
	  "report server database to another computer or to change the service "
	  "account.\n\n"
	  "Backup file: the file that will hold the key. The default name has "
	  "the instance and the time (UTC), as the rsbackup timer names its "
	  "files, so two backups never share a name; Browse chooses another in "
	  "a file selector. An existing file is only replaced after you confirm.\n\n"
	  "Password: protects the file; only someone who knows it can restore "
	  "the key. The strong-password policy applies: at least 8 characters "
	  "with upper-case and lower-case letters, a digit and a symbol, and "
	  "neither the service account nor the instance name. The checklist "
	  "shows each rule as it is met.\n\n"
	  "Confirm password: type the password again.\n\n"
	  "Store the file and its password in a secure, off-site place. The file "
	  "is a standard CMS (RFC 5652) envelope: openssl cms -decrypt can open "
	  "it on any machine.") },
	{ "restore", N_("Help: Restore Encryption Key"),
	  N_("Applies a saved copy of the symmetric key to this instance; you "
	  "need the password that protects the file.\n\n"
	  "Before anything is applied the dialog shows what the file holds: the "
	  "instance it came from, when it was made, and whether it is the key "
	  "this database uses. Only restore the key the database uses. Restoring "
	  "a different key makes every encrypted value unreadable; that needs a "
	  "second, explicit confirmation.\n\n"
	  "After a restore, the other report servers of the deployment must be "
	  "joined again (Scale-out Deployment, Add Server; Restore offers it).") },
	{ "change", N_("Help: Change Encryption Key"),
	  N_("Creates a new symmetric key and re-encrypts every encrypted value "
	  "in the report server database. All copies of the key in the "
	  "scale-out deployment are replaced.\n\n"
	  "Review the servers listed: only valid report server instances should "
	  "be given access to the new key. Stop the Report Server service on "
	  "every server before you go on.\n\n"
	  "With many data sources and subscriptions this takes a while. Esc asks "
	  "whether to cancel; a cancelled change is rolled back and nothing "
	  "changes. Back up the new key afterwards.") },
	{ "delete", N_("Help: Delete Encrypted Content"),
	  N_("Deletes the symmetric key and all encrypted content, including "
	  "connection strings and stored credentials, and creates a fresh key. "
	  "Only do this if you cannot restore the key.\n\n"
	  "Afterwards re-enter the missing connection strings and stored "
	  "credentials in the reports and shared data sources, and update every "
	  "subscription whose delivery extension stores encrypted data (such as "
	  "file share delivery). There is no automated way: each one must be "
	  "updated by hand.\n\n"
	  "This cannot be undone. Type DELETE to confirm.") },
	{ "content", N_("Help: Encrypted Content"),
	  N_("Lists how many encrypted values of each kind open with the current "
	  "key, and every value that needs attention.\n\n"
	  "Connection string: the connection string of a shared data source or "
	  "of a report's embedded data source, stored encrypted by the report "
	  "server.\n"
	  "Stored credentials: the user name and password a data source uses "
	  "when its credentials are stored securely in the report server.\n"
	  "Delivery settings: the settings of a subscription whose delivery "
	  "extension encrypts them, such as file share delivery (path, user "
	  "name and password).\n\n"
	  "Missing: the value was deleted (Delete Encrypted Content) and must be "
	  "re-entered. Unreadable: the value is sealed with another key (after "
	  "restoring a different key) or damaged; re-enter it, or restore the "
	  "key it was sealed with.\n\n"
	  "Re-enter asks for the value twice, hidden, and encrypts it with the "
	  "current key; it is never shown or logged. Filter shows one kind at a "
	  "time. For many values use rskeymgmt --missing and --import FILE.") },
	{ "message", N_("Help"),
	  N_("Left/Right choose a button, Enter presses it, Esc closes. "
	  "PgUp/PgDn scroll a long text.") },
};

static const help_topic *find(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof topics / sizeof topics[0]; i++)
		if (id != NULL && strcmp(topics[i].id, id) == 0)
			return &topics[i];
	return &topics[sizeof topics / sizeof topics[0] - 1];
}

void ui_help_topic(const char *topic, const char **title, const char **text)
{
	const help_topic *t = find(topic);

	*title = _(t->title);
	*text = _(t->text);
}

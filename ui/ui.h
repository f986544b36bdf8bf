/* SPDX-License-Identifier: ISC */
/* ui.h: the terminal interface (CDK).  The only entry point rsconfig needs. */
#ifndef RS_UI_H
#define RS_UI_H

/* Opens the instance of config_path and runs the interface until F10 or a
 * terminating signal.  Returns the exit status: 0, the core's status for an
 * instance that cannot be opened, 2 when there is no usable terminal,
 * 128 + signal after SIGINT, SIGTERM or SIGHUP (the terminal restored). */
int rs_ui_run(const char *config_path);

#endif

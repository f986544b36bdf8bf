#!/bin/sh
# SPDX-License-Identifier: ISC
# includes.sh: the faces (ui/ and src/) reach the core only through ops.h
# (and secret.h for wiping what they typed), so every flow both faces run
# is decided once, in the core (issue 13).  One check per file.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

# The core headers a face includes, other than ops.h and secret.h.
core_includes() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1" |
	while read -r inc; do
		name=$(basename "$inc")
		case $name in ops.h | secret.h) continue ;; esac
		[ -f "$RS_SRCDIR/core/$name" ] && printf '%s ' "$name"
	done
}

count=0
for f in $(cd "$RS_SRCDIR" && find ui src -type f \( -name '*.c' -o -name '*.h' \) | sort); do
	count=$((count + 1))
	bad=$(core_includes "$RS_SRCDIR/$f")
	if [ -z "$bad" ]; then
		t_ok "only_ops_h:$f"
	else
		t_fail "only_ops_h:$f" "includes core headers: $bad(use ops.h)"
	fi
done
if [ "$count" -gt 10 ]; then
	t_ok found_the_faces
else
	t_fail found_the_faces "only $count files in ui/ and src/"
fi

t_done

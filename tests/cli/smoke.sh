#!/bin/sh
. "$RS_SRCDIR/tests/lib.sh"
t_done

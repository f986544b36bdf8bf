#!/bin/sh
# manpages.sh: placeholder
exit 77

#!/bin/sh
# completion.sh: placeholder
exit 77

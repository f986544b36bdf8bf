#!/bin/sh
# german.sh: placeholder
exit 77

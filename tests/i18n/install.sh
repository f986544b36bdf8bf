#!/bin/sh
# install.sh: placeholder
exit 77

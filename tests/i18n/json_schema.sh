#!/bin/sh
# json_schema.sh: placeholder
exit 77

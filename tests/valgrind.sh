#!/bin/sh
# make check's LOG_COMPILER for the leak run of scripts/test.sh: runs one unit
# program under valgrind's memcheck.  Invalid reads and writes, uses of
# uninitialised values and definite or indirect leaks make it fail (exit 99);
# memory still reachable at exit (libraries' one-time state) does not.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--suppressions="$(dirname "$0")/valgrind.supp" "$@"

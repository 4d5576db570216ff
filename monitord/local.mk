# swgr-monitord: node health and inbound liquidity into the status table.
sbin_PROGRAMS += swgr-monitord
swgr_monitord_SOURCES = monitord/main.c monitord/outcomes.c monitord/outcomes.h \
	monitord/db.c monitord/db.h \
	monitord/roster.c monitord/roster.h monitord/node.c monitord/node.h \
	monitord/mon.c monitord/mon.h
swgr_monitord_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
swgr_monitord_LDADD = libswgr/libswgr.la $(SWGR_DEP_LIBS)

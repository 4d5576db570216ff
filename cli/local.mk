# The swgr command.
bin_PROGRAMS += swgr
swgr_SOURCES = cli/main.c cli/cli.h cli/cmd_token.c cli/cmd_discovery.c cli/cmd_status.c cli/cmd_offer.c cli/cmd_address.c cli/http.c
swgr_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
swgr_LDADD = libswgr/libswgr.la $(SWGR_DEP_LIBS)

# The FastCGI responders.
sbin_PROGRAMS += swgr-discovery swgr-offer
swgr_discovery_SOURCES = fcgi/discovery/main.c fcgi/discovery/status.c fcgi/discovery/extern.h
swgr_discovery_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
swgr_discovery_LDADD = libswgr/libswgr.la $(SWGR_DEP_LIBS)
swgr_offer_SOURCES = fcgi/offer/main.c
swgr_offer_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
swgr_offer_LDADD = libswgr/libswgr.la $(SWGR_DEP_LIBS)
sbin_PROGRAMS += swgr-lnurl
swgr_lnurl_SOURCES = fcgi/lnurl/main.c fcgi/lnurl/offers.c fcgi/lnurl/addresses.c \
	fcgi/lnurl/wellknown.c fcgi/lnurl/callback.c fcgi/lnurl/records.c \
	fcgi/lnurl/extern.h
swgr_lnurl_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
swgr_lnurl_LDADD = libswgr/libswgr.la $(SWGR_DEP_LIBS)

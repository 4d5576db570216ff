# libswgr: everything the programs share.
noinst_LTLIBRARIES += libswgr/libswgr.la
libswgr_libswgr_la_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
libswgr_libswgr_la_SOURCES = \
	libswgr/err.c libswgr/err.h \
	libswgr/buf.c libswgr/buf.h \
	libswgr/log.c libswgr/log.h \
	libswgr/config.c libswgr/config_expand.c libswgr/config.h \
	libswgr/valid.c libswgr/valid.h \
	libswgr/json.c libswgr/json.h \
	libswgr/model.c libswgr/model.h \
	libswgr/token.c libswgr/token.h \
	libswgr/db.c libswgr/db.h \
	libswgr/db_sqlite.c libswgr/db_pg.c libswgr/db_mysql.c \
	libswgr/store.c libswgr/store_schema.c libswgr/store_status.c \
	libswgr/store.h libswgr/store_int.h \
	libswgr/fcgi.c libswgr/fcgi.h \
	libswgr/responder.c libswgr/responder.h \
	libswgr/bech32.c libswgr/bech32.h \
	libswgr/bolt11.c libswgr/bolt11.h \
	libswgr/qr.c libswgr/qr.h \
	libswgr/select.c libswgr/select.h \
	libswgr/sha256.c libswgr/sha256.h \
	libswgr/trust.c libswgr/trust.h \
	libswgr/grpc.c libswgr/grpc_probe.c libswgr/grpc.h libswgr/grpc_int.h \
	libswgr/ln.c libswgr/ln_cln.c libswgr/ln_lnd.c libswgr/ln.h libswgr/ln_int.h \
	libswgr/lnurl.c libswgr/lnurl.h \
	libswgr/balancer.c libswgr/balancer.h
nodist_libswgr_libswgr_la_SOURCES = proto/cln_node.pb-c.c proto/lnd_lightning.pb-c.c
libswgr_libswgr_la_LIBADD = $(SWGR_DEP_LIBS)

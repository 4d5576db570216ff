# libswgr: everything the programs share, one folder per concern (doc/ARCHITECTURE.md).
noinst_LTLIBRARIES += libswgr/libswgr.la
libswgr_libswgr_la_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS)
# the default node status database of a host with remote stores (store/store.c)
# and the default credential directory (config/config.h)
libswgr_libswgr_la_CPPFLAGS = $(AM_CPPFLAGS) -DLOCALSTATEDIR='"$(localstatedir)"' \
	-DSYSCONFDIR='"$(sysconfdir)"'
libswgr_libswgr_la_SOURCES = \
	libswgr/core/err.c libswgr/core/err.h libswgr/core/dl.c libswgr/core/dl.h \
	libswgr/core/status.c libswgr/core/status.h \
	libswgr/core/buf.c libswgr/core/buf.h \
	libswgr/core/log.c libswgr/core/log.h \
	libswgr/core/hex.c libswgr/core/hex.h libswgr/core/utf8.c libswgr/core/utf8.h \
	libswgr/core/uuid.c libswgr/core/uuid.h libswgr/core/pubkey.c libswgr/core/pubkey.h \
	libswgr/core/time.c libswgr/core/time.h libswgr/core/clock.c libswgr/core/clock.h \
	libswgr/core/base64.c libswgr/core/base64.h libswgr/core/email.c libswgr/core/email.h \
	libswgr/core/lnaddr.c libswgr/core/lnaddr.h \
	libswgr/core/json.c libswgr/core/json_parse.c libswgr/core/json.h \
	libswgr/core/uri.c libswgr/core/uri.h \
	libswgr/core/bech32.c libswgr/core/bech32.h \
	libswgr/core/sha256.c libswgr/core/sha256.h \
	libswgr/core/gate.c libswgr/core/gate.h libswgr/core/cidr.c libswgr/core/cidr.h \
	libswgr/core/credfile.c libswgr/core/credfile.h \
	libswgr/core/endpoint.c libswgr/core/endpoint.h \
	libswgr/core/activation.c libswgr/core/activation.h \
	libswgr/core/metrics.c libswgr/core/metrics.h libswgr/core/prom.c libswgr/core/prom.h \
	libswgr/config/config.c libswgr/config/config.h libswgr/config/config_int.h \
	libswgr/config/keys.c libswgr/config/directory.c libswgr/config/yaml.c libswgr/config/yaml_int.h libswgr/config/expand.c \
	libswgr/model/model.c libswgr/model/from_json.c libswgr/model/to_json.c \
	libswgr/model/lud.c libswgr/model/model.h libswgr/model/model_int.h \
	libswgr/auth/token.c libswgr/auth/token.h \
	libswgr/store/db.c libswgr/store/db.h \
	libswgr/store/db_sqlite.c libswgr/store/db_pg.c libswgr/store/db_mysql.c \
	libswgr/store/store.c libswgr/store/store.h libswgr/store/store_int.h \
	libswgr/store/sql.c libswgr/store/sql_backend.c libswgr/store/sql_offer.c \
	libswgr/store/sql_address.c libswgr/store/sql_invoice.c libswgr/store/directory.c libswgr/store/directory.h \
	libswgr/store/sql_int.h libswgr/store/schema.c libswgr/store/catalog.c libswgr/store/status.c \
	libswgr/store/http.c libswgr/store/http_discovery.c libswgr/store/http_offer.c \
	libswgr/store/http_int.h \
	libswgr/net/trust.c libswgr/net/trust.h libswgr/net/http.c libswgr/net/http.h \
	libswgr/net/grpc.c libswgr/net/grpc_probe.c libswgr/net/grpc.h libswgr/net/grpc_int.h \
	libswgr/ln/ln.c libswgr/ln/ln.h libswgr/ln/ln_int.h libswgr/ln/kinds.c \
	libswgr/ln/impl.c libswgr/ln/grpc.c libswgr/ln/cln.c libswgr/ln/lnd.c libswgr/ln/eclair.c \
	libswgr/fleet/fleet.c libswgr/fleet/fleet.h \
	libswgr/daemon/daemon.c libswgr/daemon/daemon.h \
	libswgr/fcgi/fcgi.h libswgr/fcgi/url.c libswgr/fcgi/req.c libswgr/fcgi/client_ip.c \
	libswgr/fcgi/resp.c \
	libswgr/fcgi/responder.c libswgr/fcgi/responder.h libswgr/fcgi/responder_int.h \
	libswgr/fcgi/workers.c libswgr/fcgi/route.c libswgr/fcgi/ctx.c \
	libswgr/fcgi/crud.c libswgr/fcgi/crud.h \
	libswgr/pay/lnurl.c libswgr/pay/lnurl.h \
	libswgr/pay/bolt11.c libswgr/pay/bolt11.h libswgr/pay/bolt11_wire.h \
	libswgr/pay/qr.c libswgr/pay/qr.h \
	libswgr/pay/select.c libswgr/pay/select.h \
	libswgr/pay/backoff.c libswgr/pay/backoff.h \
	libswgr/pay/view.c libswgr/pay/view.h \
	libswgr/pay/breaker.c libswgr/pay/breaker.h \
	libswgr/pay/balancer.c libswgr/pay/balancer.h
nodist_libswgr_libswgr_la_SOURCES = proto/cln_node.pb-c.c proto/lnd_lightning.pb-c.c
libswgr_libswgr_la_LIBADD = $(SWGR_DEP_LIBS)

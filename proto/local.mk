# The node protocols: protoc-c turns proto/*.proto into C at build time.
PROTO_FILES = proto/cln_node.proto proto/lnd_lightning.proto
PROTO_GEN = proto/cln_node.pb-c.c proto/cln_node.pb-c.h \
	proto/lnd_lightning.pb-c.c proto/lnd_lightning.pb-c.h
EXTRA_DIST += $(PROTO_FILES)
BUILT_SOURCES = $(PROTO_GEN)
CLEANFILES += $(PROTO_GEN)

proto/cln_node.pb-c.c: $(srcdir)/proto/cln_node.proto
	$(AM_V_GEN)$(MKDIR_P) proto && $(PROTOC_C) --c_out=proto -I$(srcdir)/proto $(srcdir)/proto/cln_node.proto
proto/cln_node.pb-c.h: proto/cln_node.pb-c.c
proto/lnd_lightning.pb-c.c: $(srcdir)/proto/lnd_lightning.proto
	$(AM_V_GEN)$(MKDIR_P) proto && $(PROTOC_C) --c_out=proto -I$(srcdir)/proto $(srcdir)/proto/lnd_lightning.proto
proto/lnd_lightning.pb-c.h: proto/lnd_lightning.pb-c.c

/* Libraries opened on first use. */
#include <dlfcn.h>
#include <stdio.h>

#include "core/dl.h"

void *
swgr_dlopen(const char *soname, const char *package, char *why, size_t len)
{
	void *h;

	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
		snprintf(why, len, "cannot load %s (Debian package %s): %s", soname, package,
		    dlerror());
	return h;
}

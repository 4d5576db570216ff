/* The table of node kinds: one row per kind, each defined in its own file (ln/<kind>.c). */
#include <string.h>

#include "ln/ln_int.h"

extern const struct swgr_ln_kind swgr_ln_kind_cln, swgr_ln_kind_lnd, swgr_ln_kind_eclair;

/* The order of swgr discovery new's list and of the messages naming the types. */
static const struct swgr_ln_kind *const kinds[] = {
	&swgr_ln_kind_cln,
	&swgr_ln_kind_lnd,
	&swgr_ln_kind_eclair,
};

const struct swgr_ln_kind *
swgr_ln_kind_at(size_t i)
{
	return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i] : NULL;
}

const struct swgr_ln_kind *
swgr_ln_kind_find(const char *type)
{
	const struct swgr_ln_kind *k;
	size_t i;

	for (i = 0; type != NULL && (k = swgr_ln_kind_at(i)) != NULL; i++)
		if (strcmp(k->type, type) == 0)
			return k;
	return NULL;
}

bool
swgr_ln_kind_template(size_t i, const char **cli_name, const char **label, const char **impl)
{
	const struct swgr_ln_kind *k = swgr_ln_kind_at(i);

	if (k == NULL)
		return false;
	*cli_name = k->cli_name;
	*label = k->label;
	*impl = k->template_impl;
	return true;
}

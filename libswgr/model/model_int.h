/* Private to model/: the readers of from_json.c's field table that live in lud.c. */
#ifndef SWGR_MODEL_INT_H
#define SWGR_MODEL_INT_H

#include <json-c/json.h>

#include "core/err.h"

/* K_OWN readers of the metadata members successAction and payerData (v not null) into rec. */
enum swgr_rc	 swgr_success_action_value(struct json_object *v, void *rec, struct swgr_err *err);
enum swgr_rc	 swgr_payer_data_value(struct json_object *v, void *rec, struct swgr_err *err);

#endif

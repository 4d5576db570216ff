/* swgr-monitord's shared state: its locks, and the wake-up of the database thread. */
#include <pthread.h>
#include <string.h>

#include "mon.h"
#include "core/clock.h"

void
mon_init(struct mon *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->rpc_mu, NULL);
	swgr_mono_cond_init(&m->db_cv);
}

void
mon_fini(struct mon *m)
{
	pthread_cond_destroy(&m->db_cv);
	pthread_mutex_destroy(&m->rpc_mu);
	pthread_mutex_destroy(&m->mu);
}

void
mon_wake_db(struct mon *m)
{
	m->db_wake = true;
	pthread_cond_signal(&m->db_cv);
}

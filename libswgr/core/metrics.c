/* The metrics segments: one shared file per process, counted into with relaxed atomics, read by anyone of the host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"

/*
 * The layout of a segment file (version 1), all in the byte order of the
 * host that wrote it:
 *
 *   struct seg_head, then nslots struct swgr_metric.
 *
 * A slot is filled by its process under that process's mutex, then published
 * by a release store of head.used: a reader that loads used with acquire sees
 * every slot below it whole.  The values of a slot change afterwards, each a
 * 64-bit atomic.  A histogram keeps the count of each bucket apart (not
 * cumulative: observe adds 1 to one bucket and the value in microseconds to
 * the sum); the reader makes the counts cumulative, the +Inf bucket being
 * the count.
 */
#define SEG_MAGIC	"SWGRMET"
#define SEG_VERSION	1
#define SEG_SLOTS	SWGR_METRICS_SLOTS
#define NAME_MAX_LEN	96
#define LABELS_MAX_LEN	256
#define PROGRAM_MAX_LEN	64
#define VALUES_MAX	(SWGR_METRICS_MAX_BUCKETS + 1)	/* buckets, +Inf, sum */

struct seg_head {
	char			 magic[8];
	uint32_t		 version;
	uint32_t		 slot_size;
	uint32_t		 nslots;
	_Atomic uint32_t	 used;
	int64_t			 pid;
	uint64_t		 start_time;	/* /proc/<pid>/stat field 22: a reused pid differs */
	char			 program[PROGRAM_MAX_LEN];
};

struct swgr_metric {
	uint32_t		 type;
	uint32_t		 nbounds;
	char			 name[NAME_MAX_LEN];
	char			 labels[LABELS_MAX_LEN];
	double			 bounds[SWGR_METRICS_MAX_BUCKETS - 1];
	_Atomic uint64_t	 values[VALUES_MAX];
};

#define SEG_SIZE(n)	(sizeof(struct seg_head) + (size_t)(n) * sizeof(struct swgr_metric))

/* This process's segment. */
static struct {
	pthread_mutex_t	 mu;
	struct seg_head	*head;
	struct swgr_metric *slots;
	char		 path[4096];
	long		 owner;		/* the pid that made it: a forked child does not remove it */
	bool		 full_logged;
} me = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The start time of pid in clock ticks since boot, 0 when it cannot be read. */
static uint64_t
start_time(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the command in parentheses (which may hold anything), field 3 on */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &v) != 1)
		return 0;
	return v;
}

/* mkdir -p with mode for what it creates. */
static int
make_dirs(const char *dir, mode_t mode)
{
	char tmp[4096], *p;
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	memcpy(tmp, dir, len + 1);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

enum swgr_rc
swgr_metrics_open(const char *dir, const char *program, struct swgr_err *err)
{
	char tmp[4096 + 16];
	struct seg_head *h;
	void *map;
	long pid = (long)getpid();
	int fd, n;

	swgr_metrics_close();
	if (dir == NULL || dir[0] == '\0' || program == NULL || program[0] == '\0' ||
	    strlen(program) >= PROGRAM_MAX_LEN || strchr(program, '/') != NULL ||
	    program[0] == '.')
		return swgr_err_set(err, SWGR_EINVAL, "metrics: a directory and a program name "
		    "(without '/', under %d bytes) are needed", PROGRAM_MAX_LEN);
	n = snprintf(me.path, sizeof(me.path), "%s/%s.%ld.metrics", dir, program, pid);
	if (n < 0 || (size_t)n >= sizeof(me.path))
		return swgr_err_set(err, SWGR_EINVAL, "metrics: directory '%s' is too long", dir);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, program, pid);
	if (make_dirs(dir, 0770) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "metrics: creating directory '%s': %s",
		    dir, strerror(errno));
	unlink(tmp);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640)) < 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "metrics: creating '%s': %s", tmp,
		    strerror(errno));
	if (fchmod(fd, 0640) != 0 || ftruncate(fd, (off_t)SEG_SIZE(SEG_SLOTS)) != 0) {
		swgr_err_set(err, SWGR_EINTERNAL, "metrics: sizing '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	map = mmap(NULL, SEG_SIZE(SEG_SLOTS), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		swgr_err_set(err, SWGR_EINTERNAL, "metrics: mapping '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	h = map;
	memcpy(h->magic, SEG_MAGIC, sizeof(SEG_MAGIC));
	h->version = SEG_VERSION;
	h->slot_size = sizeof(struct swgr_metric);
	h->nslots = SEG_SLOTS;
	h->pid = pid;
	h->start_time = start_time(pid);
	snprintf(h->program, sizeof(h->program), "%s", program);
	atomic_store_explicit(&h->used, 0, memory_order_release);
	if (rename(tmp, me.path) != 0) {
		swgr_err_set(err, SWGR_EINTERNAL, "metrics: renaming '%s': %s", tmp,
		    strerror(errno));
		munmap(map, SEG_SIZE(SEG_SLOTS));
		goto fail;
	}
	close(fd);
	pthread_mutex_lock(&me.mu);
	me.head = h;
	me.slots = (struct swgr_metric *)(h + 1);
	me.owner = pid;
	me.full_logged = false;
	pthread_mutex_unlock(&me.mu);
	return SWGR_OK;
fail:
	close(fd);
	unlink(tmp);
	me.path[0] = '\0';
	return err != NULL ? err->rc : SWGR_EINTERNAL;
}

void
swgr_metrics_close(void)
{
	pthread_mutex_lock(&me.mu);
	if (me.head != NULL) {
		munmap(me.head, SEG_SIZE(SEG_SLOTS));
		if (me.owner == (long)getpid())
			unlink(me.path);
	}
	me.head = NULL;
	me.slots = NULL;
	me.path[0] = '\0';
	pthread_mutex_unlock(&me.mu);
}

static struct swgr_metric *
lookup(enum swgr_metric_type type, const char *name, const char *labels,
    const double *bounds, int nbounds)
{
	struct swgr_metric *m = NULL;
	uint32_t used, i;
	int b;

	if (name == NULL || name[0] == '\0' || strlen(name) >= NAME_MAX_LEN)
		return NULL;
	if (labels == NULL)
		labels = "";
	if (strlen(labels) >= LABELS_MAX_LEN)
		return NULL;
	if (type == SWGR_METRIC_HISTOGRAM) {
		if (bounds == NULL || nbounds < 1 || nbounds > SWGR_METRICS_MAX_BUCKETS - 1)
			return NULL;
		for (b = 0; b < nbounds; b++)
			if (!isfinite(bounds[b]) || (b > 0 && bounds[b] <= bounds[b - 1]))
				return NULL;
	} else
		nbounds = 0;
	pthread_mutex_lock(&me.mu);
	if (me.head == NULL)
		goto out;
	used = atomic_load_explicit(&me.head->used, memory_order_relaxed);
	for (i = 0; i < used; i++)
		if (me.slots[i].type == (uint32_t)type && strcmp(me.slots[i].name, name) == 0 &&
		    strcmp(me.slots[i].labels, labels) == 0) {
			m = &me.slots[i];
			goto out;
		}
	if (used >= me.head->nslots) {
		if (!me.full_logged)
			swgr_log(SWGR_LOG_WARN, "swgr::metrics", "metrics segment full (%u "
			    "metrics): %s{%s} and later ones are not counted", used, name, labels);
		me.full_logged = true;
		goto out;
	}
	m = &me.slots[used];
	m->type = (uint32_t)type;
	m->nbounds = (uint32_t)nbounds;
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->labels, sizeof(m->labels), "%s", labels);
	for (b = 0; b < nbounds; b++)
		m->bounds[b] = bounds[b];
	atomic_store_explicit(&me.head->used, used + 1, memory_order_release);
out:
	pthread_mutex_unlock(&me.mu);
	return m;
}

struct swgr_metric *
swgr_metric_counter(const char *name, const char *labels)
{
	return lookup(SWGR_METRIC_COUNTER, name, labels, NULL, 0);
}

struct swgr_metric *
swgr_metric_gauge(const char *name, const char *labels)
{
	return lookup(SWGR_METRIC_GAUGE, name, labels, NULL, 0);
}

struct swgr_metric *
swgr_metric_histogram(const char *name, const char *labels, const double *bounds, int nbounds)
{
	return lookup(SWGR_METRIC_HISTOGRAM, name, labels, bounds, nbounds);
}

void
swgr_metric_label_value(const char *v, char *out, size_t n)
{
	size_t o = 0;
	const char *esc;

	if (n == 0)
		return;
	for (; *v != '\0'; v++) {
		esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
		if (esc != NULL) {
			if (o + 2 >= n)
				break;
			out[o++] = esc[0];
			out[o++] = esc[1];
		} else {
			if (o + 1 >= n)
				break;
			out[o++] = *v;
		}
	}
	out[o] = '\0';
}

void
swgr_metric_add(struct swgr_metric *m, uint64_t v)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->values[0], v, memory_order_relaxed);
}

void
swgr_metric_set(struct swgr_metric *m, int64_t v)
{
	if (m != NULL)
		atomic_store_explicit(&m->values[0], (uint64_t)v, memory_order_relaxed);
}

void
swgr_metric_gauge_add(struct swgr_metric *m, int64_t delta)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->values[0], (uint64_t)delta, memory_order_relaxed);
}

void
swgr_metric_observe(struct swgr_metric *m, double v)
{
	uint32_t b;
	double us;

	if (m == NULL)
		return;
	if (isnan(v))
		return;
	for (b = 0; b < m->nbounds && v > m->bounds[b]; b++)
		;
	atomic_fetch_add_explicit(&m->values[b], 1, memory_order_relaxed);
	us = v * 1e6;
	if (us > 0)
		atomic_fetch_add_explicit(&m->values[m->nbounds + 1],
		    us >= 1.8e19 ? UINT64_MAX / 2 : (uint64_t)(us + 0.5), memory_order_relaxed);
}

/* Whether s (of size n) holds a NUL-terminated string; nonempty if asked. */
static bool
cstr_ok(const char *s, size_t n, bool nonempty)
{
	const char *z = memchr(s, '\0', n);

	return z != NULL && (!nonempty || z != s);
}

/*
 * A private copy of slot i of a mapped segment, checked: a type, strings that
 * end, bounds that are finite and ascending.  values[] in the view's form.
 */
struct slot_copy {
	struct swgr_metric_view v;
	char		 name[NAME_MAX_LEN];
	char		 labels[LABELS_MAX_LEN];
	double		 bounds[SWGR_METRICS_MAX_BUCKETS - 1];
	uint64_t	 values[VALUES_MAX];
};

static bool
copy_slot(const struct swgr_metric *s, struct slot_copy *c)
{
	uint64_t cum = 0, raw;
	uint32_t type, nb, b;

	type = s->type;
	nb = s->nbounds;
	memcpy(c->name, s->name, sizeof(c->name));
	memcpy(c->labels, s->labels, sizeof(c->labels));
	if (!cstr_ok(c->name, sizeof(c->name), true) || !cstr_ok(c->labels, sizeof(c->labels),
	    false))
		return false;
	memset(&c->v, 0, sizeof(c->v));
	switch (type) {
	case SWGR_METRIC_COUNTER:
	case SWGR_METRIC_GAUGE:
		if (nb != 0)
			return false;
		c->values[0] = atomic_load_explicit(&((struct swgr_metric *)s)->values[0],
		    memory_order_relaxed);
		c->v.nvalues = 1;
		break;
	case SWGR_METRIC_HISTOGRAM:
		if (nb < 1 || nb > SWGR_METRICS_MAX_BUCKETS - 1)
			return false;
		memcpy(c->bounds, s->bounds, nb * sizeof(double));
		for (b = 0; b < nb; b++)
			if (!isfinite(c->bounds[b]) || (b > 0 && c->bounds[b] <= c->bounds[b - 1]))
				return false;
		for (b = 0; b <= nb; b++) {
			raw = atomic_load_explicit(&((struct swgr_metric *)s)->values[b],
			    memory_order_relaxed);
			cum += raw;
			c->values[b] = cum;
		}
		c->values[nb + 1] = atomic_load_explicit(
		    &((struct swgr_metric *)s)->values[nb + 1], memory_order_relaxed);
		c->v.nvalues = (int)nb + 2;
		break;
	default:
		return false;
	}
	c->v.type = (enum swgr_metric_type)type;
	c->v.name = c->name;
	c->v.labels = c->labels;
	c->v.bounds = type == SWGR_METRIC_HISTOGRAM ? c->bounds : NULL;
	c->v.nbounds = (int)nb;
	c->v.values = c->values;
	return true;
}

/* "<program>.<pid>.metrics" -> pid, else 0. */
static long
name_pid(const char *name)
{
	const char *dot, *end = strrchr(name, '.');
	char *e;
	long pid;

	if (name[0] == '.' || end == NULL || strcmp(end, ".metrics") != 0)
		return 0;
	for (dot = end - 1; dot > name && *dot != '.'; dot--)
		;
	if (dot <= name || dot + 1 == end)
		return 0;
	errno = 0;
	pid = strtol(dot + 1, &e, 10);
	if (errno != 0 || e != end || pid <= 0 || dot[1] == '+' || dot[1] == '-')
		return 0;
	return pid;
}

/* Whether the segment's process is gone (or its pid now names another process). */
static bool
gone(long pid, uint64_t started)
{
	uint64_t now;

	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return true;
	return started != 0 && (now = start_time(pid)) != 0 && now != started;
}

/*
 * Reads one segment file, skipped whole when it is not a segment, is corrupt
 * or torn, or its process is gone.  Returns what fn returned first that was
 * not 0, or 0.
 */
static int
scan_file(int dfd, const char *fname, swgr_metric_fn fn, void *arg)
{
	const struct seg_head *h;
	const struct swgr_metric *slots;
	struct slot_copy *c = NULL;
	char program[PROGRAM_MAX_LEN];
	struct stat st;
	uint32_t used, nslots, i;
	uint64_t started;
	long pid;
	void *map;
	int fd, r = 0;

	if ((pid = name_pid(fname)) == 0)
		return 0;
	if ((fd = openat(dfd, fname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(struct seg_head) ||
	    (size_t)st.st_size > SEG_SIZE(65536)) {
		close(fd);
		return 0;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return 0;
	h = map;
	nslots = h->nslots;
	memcpy(program, h->program, sizeof(program));
	started = h->start_time;
	if (memcmp(h->magic, SEG_MAGIC, sizeof(SEG_MAGIC)) != 0 || h->version != SEG_VERSION ||
	    h->slot_size != sizeof(struct swgr_metric) || nslots > 65536 ||
	    (size_t)st.st_size != SEG_SIZE(nslots) || h->pid != pid ||
	    !cstr_ok(program, sizeof(program), true))
		goto out;
	used = atomic_load_explicit(&((struct seg_head *)h)->used, memory_order_acquire);
	if (used > nslots)
		goto out;
	if (gone(pid, started)) {
		unlinkat(dfd, fname, 0);	/* fails without the right to: skipped all the same */
		goto out;
	}
	if ((c = malloc(sizeof(*c))) == NULL)
		goto out;
	slots = (const struct swgr_metric *)(h + 1);
	/* whole or not at all: every slot checked before fn sees one */
	for (i = 0; i < used; i++)
		if (!copy_slot(&slots[i], c))
			goto out;
	for (i = 0; i < used && r == 0; i++) {
		if (!copy_slot(&slots[i], c))
			continue;
		c->v.program = program;
		c->v.pid = pid;
		r = fn(arg, &c->v);
	}
out:
	free(c);
	munmap(map, (size_t)st.st_size);
	return r;
}

enum swgr_rc
swgr_metrics_scan(const char *dir, swgr_metric_fn fn, void *arg, struct swgr_err *err)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (dir == NULL || dir[0] == '\0')
		return swgr_err_set(err, SWGR_EINVAL, "metrics: no directory");
	if ((d = opendir(dir)) == NULL)
		return swgr_err_set(err, errno == ENOENT ? SWGR_NOTFOUND : SWGR_EINTERNAL,
		    "metrics: reading directory '%s': %s", dir, strerror(errno));
	while (r == 0 && (de = readdir(d)) != NULL)
		r = scan_file(dirfd(d), de->d_name, fn, arg);
	closedir(d);
	return SWGR_OK;
}

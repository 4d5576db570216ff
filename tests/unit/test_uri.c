/* Tests of core/uri: the password redactor that every URI in a message goes through. */
#include <stdio.h>
#include <string.h>

#include "core/uri.h"
#include "t.h"

/* Redacts uri into a roomy buffer and checks the whole result. */
#define REDACTS(uri, want) do {						\
	char out_[512];							\
	swgr_uri_redact((uri), out_, sizeof(out_));			\
	CHECK_STR(out_, (want));					\
} while (0)

static void
test_userinfo(void)
{
	REDACTS("postgres://user:s3cret@db.example:5432/swgr?sslmode=require",
	    "postgres://user:****@db.example:5432/swgr?sslmode=require");
	/* The password may hold '@', '/' and '?': up to the last '@' is hidden. */
	REDACTS("mysql://u:p@ss@h/db", "mysql://u:****@h/db");
	REDACTS("postgres://admin:hun/ter@2@db/x", "postgres://admin:****@db/x");
	REDACTS("postgres://u:p?ss@h/db", "postgres://u:****@h/db");
	/* An empty password is hidden too: the message does not tell. */
	REDACTS("mysql://u:@h/db", "mysql://u:****@h/db");
	/* No password, no user, no authority: unchanged. */
	REDACTS("mysql://u@h/db", "mysql://u@h/db");
	REDACTS("postgres://h:5432/db", "postgres://h:5432/db");
	REDACTS("sqlite:///var/lib/x.db?mode=rwc", "sqlite:///var/lib/x.db?mode=rwc");
	REDACTS("sqlite::memory:", "sqlite::memory:");
	REDACTS("", "");
	/* Placeholders name a secret and stay; anything else beside them is hidden. */
	REDACTS("postgres://{secret.U}:{secret.P}@db/x", "postgres://{secret.U}:{secret.P}@db/x");
	REDACTS("postgres://u:{secret.A}{secret.B}@db/x", "postgres://u:{secret.A}{secret.B}@db/x");
	REDACTS("postgres://u:{secret.P}x@db/x", "postgres://u:****@db/x");
	REDACTS("postgres://u:{secret.P@db/x", "postgres://u:****@db/x");
}

static void
test_password_parameter(void)
{
	REDACTS("postgres://h/db?sslmode=disable&password=hunter2&x=1",
	    "postgres://h/db?sslmode=disable&password=****&x=1");
	REDACTS("postgres://admin:hunter2@db/x?sslmode=require&password=hunter3&a={secret.NOPE}",
	    "postgres://admin:****@db/x?sslmode=require&password=****&a={secret.NOPE}");
	/* Any case, every occurrence, up to '&' or '#'. */
	REDACTS("mysql://h/db?PassWord=a&password=b#frag",
	    "mysql://h/db?PassWord=****&password=****#frag");
	REDACTS("mysql://h/db?password=", "mysql://h/db?password=****");
	/* libpq's key=value form hides the rest of the string: more, never less. */
	REDACTS("host=h password=x dbname=y", "host=h password=****");
}

static void
test_bounds(void)
{
	char tiny[8], one[1], big[64];
	size_t i;

	/* Cut to fit, NUL-terminated, and the cut never uncovers the password. */
	memset(tiny, 'Z', sizeof(tiny));
	swgr_uri_redact("postgres://user:s3cret@h/db", tiny, sizeof(tiny));
	CHECK_STR(tiny, "postgre");
	for (i = 16; i < sizeof(big); i++) {
		memset(big, 'Z', sizeof(big));
		swgr_uri_redact("postgres://user:s3cret@h/db", big, i);
		CHECK_INT(strlen(big), i - 1 < 25 ? i - 1 : 25);
		CHECK(strstr(big, "s3") == NULL);
		CHECK(big[i] == 'Z');	/* nothing written past outlen */
	}
	one[0] = 'Z';
	swgr_uri_redact("mysql://u:p@h/db", one, sizeof(one));
	CHECK(one[0] == '\0');
	one[0] = 'Z';
	swgr_uri_redact("mysql://u:p@h/db", one, 0);
	CHECK(one[0] == 'Z');
}

int
main(void)
{
	test_userinfo();
	test_password_parameter();
	test_bounds();
	return t_done("test_uri");
}

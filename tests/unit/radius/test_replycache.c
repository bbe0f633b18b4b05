/* Duplicate detection: retransmits are answered once, from the cache. */
#include <netinet/in.h>

#include "poort/replycache.h"
#include "test.h"

static void
key(struct rcache_key *k, uint16_t port, uint8_t id, uint8_t authbyte)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	uint8_t hdr[20] = {1, id, 0, 20};
	sin.sin_addr.s_addr = htonl(0x7f000001);
	memset(hdr + 4, authbyte, 16);
	rcache_key_from(k, (struct sockaddr *)&sin, hdr);
}

int
main(void)
{
	struct rcache *c = rcache_new(4, 30);
	struct rcache_key k, k2;
	struct rcache_handle h, h2, stale;
	const uint8_t *reply = NULL;
	size_t len = 0;
	time_t now = 100;

	CHECK(c != NULL);
	key(&k, 5000, 7, 0xaa);
	CHECK_INT(rcache_lookup(c, &k, now, &h, &reply, &len), RCACHE_NEW);
	CHECK_INT(rcache_lookup(c, &k, now, &h2, &reply, &len), RCACHE_PENDING);
	rcache_complete(c, h, (const uint8_t *)"reply", 5);
	CHECK_INT(rcache_lookup(c, &k, now + 1, &h2, &reply, &len), RCACHE_REPLIED);
	CHECK_INT(len, 5);
	CHECK(memcmp(reply, "reply", 5) == 0);

	/* same ID, other authenticator or other port: a new request */
	key(&k2, 5000, 7, 0xbb);
	CHECK_INT(rcache_lookup(c, &k2, now, &h2, &reply, &len), RCACHE_NEW);
	key(&k2, 5001, 7, 0xaa);
	CHECK_INT(rcache_lookup(c, &k2, now, &h2, &reply, &len), RCACHE_NEW);
	CHECK_INT(rcache_count(c), 3);

	/* after the TTL the same key is new again */
	CHECK_INT(rcache_lookup(c, &k, now + 31, &h, &reply, &len), RCACHE_NEW);

	/* a dropped request can be retried */
	key(&k2, 6000, 1, 0x11);
	CHECK_INT(rcache_lookup(c, &k2, now, &h2, &reply, &len), RCACHE_NEW);
	rcache_forget(c, h2);
	CHECK_INT(rcache_lookup(c, &k2, now, &h2, &reply, &len), RCACHE_NEW);

	/* bounded: old entries make room, stale handles are ignored */
	stale = h2;
	for (int i = 0; i < 10; i++) {
		key(&k2, 7000, (uint8_t)i, 0x22);
		CHECK_INT(rcache_lookup(c, &k2, now, &h, &reply, &len), RCACHE_NEW);
	}
	CHECK_INT(rcache_count(c), 4);
	rcache_complete(c, stale, (const uint8_t *)"x", 1);
	key(&k2, 6000, 1, 0x11);
	CHECK_INT(rcache_lookup(c, &k2, now, &h2, &reply, &len), RCACHE_NEW);
	rcache_free(c);
	TEST_DONE();
}

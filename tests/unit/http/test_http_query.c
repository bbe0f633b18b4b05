/*
 * The HTTP front's query scanner and decoder (vectors), and the source key
 * that limits count by: an IPv4 address, an IPv6 /64.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "test.h"

static int
scan(const char *q, struct http_param p[3], const char **dup)
{
	p[0] = (struct http_param){.name = "SAMLRequest"};
	p[1] = (struct http_param){.name = "RelayState"};
	p[2] = (struct http_param){.name = "Signature"};
	return http_query_scan(q, strlen(q), p, 3, dup);
}

static void
test_scan(void)
{
	struct http_param p[3];
	const char *dup;

	CHECK_INT(scan("SAMLRequest=abc%2B&RelayState=r+1&x=y", p, &dup), 0);
	CHECK(dup == NULL);
	CHECK(p[0].raw != NULL && p[0].rawlen == 6 && memcmp(p[0].raw, "abc%2B", 6) == 0);
	CHECK(p[1].raw != NULL && p[1].rawlen == 3 && p[1].count == 1);
	CHECK(p[2].raw == NULL && p[2].count == 0);
	/* the second copy of a name, however it is spelt, is refused; the first is kept */
	CHECK_INT(scan("SAMLRequest=X&SAMLRequest=Y", p, &dup), HTTP_EDUP);
	CHECK_STR(dup, "SAMLRequest");
	CHECK(p[0].rawlen == 1 && p[0].raw[0] == 'X' && p[0].count == 2);
	CHECK_INT(scan("SAMLRequest=X&SAML%52equest=Y", p, &dup), HTTP_EDUP);
	CHECK_INT(scan("RelayState=a&Relay%53tate", p, &dup), HTTP_EDUP);
	CHECK_STR(dup, "RelayState");
	/* names compare exactly: case, a trailing space, a partial name differ */
	CHECK_INT(scan("samlrequest=a&SAMLRequest =b&SAMLRequestX=c&SAMLRequest=d", p, &dup), 0);
	CHECK(p[0].rawlen == 1 && p[0].raw[0] == 'd');
	/* a name without '=' has an empty value; empty pieces are skipped */
	CHECK_INT(scan("&&Signature&", p, &dup), 0);
	CHECK(p[2].raw != NULL && p[2].rawlen == 0);
	CHECK_INT(scan("", p, &dup), 0);
}

static void
test_decode(void)
{
	char *v;

	v = http_param_decode("a+b%2B%2f", 9, 1);
	CHECK_STR(v, "a b+/");
	free(v);
	v = http_param_decode("a+b%2B", 6, 0); /* as lasso decodes a query: '+' is '+' */
	CHECK_STR(v, "a+b+");
	free(v);
	CHECK(http_param_decode("%2", 2, 0) == NULL);
	CHECK(http_param_decode("%zz", 3, 0) == NULL);
	CHECK(http_param_decode("a%00b", 5, 0) == NULL); /* no hidden end of string */
	v = http_param_decode("abc", 2, 0);              /* only len bytes */
	CHECK_STR(v, "ab");
	free(v);
}

static void
test_addr_key(void)
{
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	char out[64];

	inet_pton(AF_INET, "192.0.2.7", &v4.sin_addr);
	CHECK_STR(http_addr_key((struct sockaddr *)&v4, out, sizeof(out)), "192.0.2.7");
	inet_pton(AF_INET6, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", &v6.sin6_addr);
	CHECK_STR(http_addr_key((struct sockaddr *)&v6, out, sizeof(out)), "2001:db8:1:2::/64");
	inet_pton(AF_INET6, "2001:db8:1:2::1", &v6.sin6_addr); /* same /64, same source */
	CHECK_STR(http_addr_key((struct sockaddr *)&v6, out, sizeof(out)), "2001:db8:1:2::/64");
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &v6.sin6_addr);
	CHECK_STR(http_addr_key((struct sockaddr *)&v6, out, sizeof(out)), "192.0.2.7");
	CHECK_STR(http_addr_key(NULL, out, sizeof(out)), "?");
}

int
main(void)
{
	test_scan();
	test_decode();
	test_addr_key();
	TEST_DONE();
}

/*
 * Shared by fuzz_saml_sso and fuzz_http_front: poortd's web side set up as
 * poortd sets it up (http_server_new, saml_idp_new from a config with a
 * saml { } block, two test SPs in federation-signed metadata, a store file
 * with an account and its attributes, the log writer), and requests built
 * in memory and handed to the HTTP front's router (http_server_dispatch).
 *
 * The harness links its own evhttp_send_reply and evhttp_send_error: they
 * stand in for the connection, keep what would have been sent (code,
 * Set-Cookie, Location, body) in fz_reply and free the request, as
 * libevent does once a reply is written.
 */
#ifndef POORT_FZ_WEB_H
#define POORT_FZ_WEB_H

#include <event2/http.h>
#include <stddef.h>

#define FZ_SP_SIGNED "https://sp1.fuzz.example/saml" /* signs requests, encryption key */
#define FZ_SP_PLAIN "https://sp2.fuzz.example/saml"  /* unsigned requests, no key */
#define FZ_ACS_SIGNED "https://sp1.fuzz.example/acs"
#define FZ_ACS_PLAIN "https://sp2.fuzz.example/acs"
#define FZ_IDP_ORIGIN "https://idp.school.example" /* base_url; Destination is its /saml/sso */
#define FZ_WEB_USER "anna"
#define FZ_WEB_PASSWORD "correct horse"

struct fz_reply {
	int code;         /* 0: nothing was sent */
	char cookie[512]; /* every cookie it set, "a=1; b=2" */
	char location[4096];
	char *body; /* NUL-terminated */
	size_t bodylen;
};

extern struct fz_reply fz_reply;
/* The browser's cookies: what the replies of this input set (and did not clear). */
extern char fz_jar[1024];

struct fz_web;

struct fz_web *fz_web_get(void);
/* Starts each input afresh: an empty replay cache and cookie jar, no reply kept. */
void fz_web_reset(struct fz_web *w);

/*
 * Builds a request (headers: "Name: value" lines, may be NULL), hands it to
 * the router and runs the event loop until password checks it started are
 * done. fz_reply holds the answer.
 */
void fz_web_request(struct fz_web *w, enum evhttp_cmd_type cmd, const char *uri,
                    const char *headers, const char *body, size_t bodylen);

/* The same on listener (enum http_listener); fz_web_server: the HTTP front. */
void fz_web_request_on(struct fz_web *w, int listener, enum evhttp_cmd_type cmd, const char *uri,
                       const char *headers, const char *body, size_t bodylen);
struct http_server *fz_web_server(struct fz_web *w);

/* Expands @NOW@ (IssueInstant now) and @ID@ (a fresh request ID); malloc'd. */
char *fz_web_expand(const char *xml, size_t len);

/* Encodings an SP uses. All malloc'd. */
char *fz_b64(const unsigned char *in, size_t len);
char *fz_deflate_b64(const char *in, size_t len);
char *fz_urlencode(const char *s);
/* A Redirect-binding query signed with the SPs' key (SigAlg RSA-SHA256). */
char *fz_query_sign(struct fz_web *w, const char *query);
/* The XML with an enveloped signature by the SPs' key on the root's ID. */
char *fz_xml_sign(struct fz_web *w, const char *xml);

/* A fresh AuthnRequest of the plain SP (ACS given, default binding). */
char *fz_authn_request(int force);
/* The login form's ctx in the last reply body, or NULL. */
const char *fz_reply_ctx(char out[80]);
/* The last reply's hidden form fields as "name=value&..." (values URL-encoded), or NULL. */
const char *fz_reply_form(char *out, size_t cap);

#endif

/*
 * Internal: the thin layer over libfreeradius-radius (the codec). Raw
 * checks that the library does not make (Message-Authenticator presence)
 * use the project's cursor.
 */
#ifndef POORT_RADIUS_MSG_H
#define POORT_RADIUS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "poort_fr.h"

#define RADIUS_HDR_LEN 20

/* Loads the dictionaries once; -1 with a message in err on failure. */
int radius_msg_init(const char *dict_dir, char *err, size_t errlen);

struct radius_scan {
	int has_ma;        /* a Message-Authenticator is present */
	int has_encrypted; /* Tunnel-Password or MS-MPPE-*-Key */
};

/*
 * Walks the attributes of a raw packet with the cursor. Returns 0, or -1 if
 * the attribute list is malformed (bad lengths, two Message-Authenticators).
 *
 * has_encrypted exists because libfreeradius 3.2.1's rad_tunnel_pwdecode
 * leaks its digest context when such an attribute is malformed; those
 * attributes never belong in a request to us, so the caller drops the
 * packet before rad_decode ever sees them.
 */
int radius_msg_scan(const uint8_t *pkt, size_t len, struct radius_scan *out);

/*
 * The first attribute of type in a raw packet that nothing has checked yet
 * (the logs of dropped requests), escaped into out; "" when absent or when
 * the packet's structure is broken before it.
 */
void radius_msg_raw_field(const uint8_t *pkt, size_t n, uint8_t type, char *out, size_t outlen);

/*
 * Wraps a received datagram (copied) in a RADIUS_PACKET allocated under ctx
 * and checks its structure. Returns NULL with a reason on failure.
 */
RADIUS_PACKET *radius_msg_wrap(TALLOC_CTX *ctx, const uint8_t *pkt, size_t len,
			       const char **reason);

/* A reply to req with a Message-Authenticator as its first attribute. */
RADIUS_PACKET *radius_msg_reply(RADIUS_PACKET *req, unsigned code);
/* Copies the request's Proxy-State attributes into the reply, in order. */
void radius_msg_copy_proxy_state(RADIUS_PACKET *reply, const RADIUS_PACKET *req);
/* Encodes and signs reply; 0 or -1. */
int radius_msg_finish(RADIUS_PACKET *reply, RADIUS_PACKET *req, const char *secret);

/*
 * radius_auth.c, on encoded packets. req_vector: for a reply, the request's
 * authenticator (the Response Authenticator is checked or set too); NULL
 * for Access-Request and Status-Server, whose vector is random.
 * verify checks the Message-Authenticator when there is one (whether one is
 * required is the caller's rule); 0 or -1. sign fills it in (the attribute
 * must be there, any value) and, for a reply, the Response Authenticator.
 */
int radius_auth_verify(const uint8_t *pkt, size_t len, const uint8_t *req_vector,
		       const char *secret);
int radius_auth_sign(uint8_t *pkt, size_t len, const uint8_t *req_vector, const char *secret);

/* Adds Tunnel-Type VLAN, Tunnel-Medium-Type 802 and Tunnel-Private-Group-Id
 * (RFC 3580) for vlan to list, allocated under ctx; 0 or -1. */
int radius_msg_add_vlan(TALLOC_CTX *ctx, VALUE_PAIR **list, unsigned vlan);

/* The value of a string attribute, or NULL; *len gets its length. */
const char *radius_msg_str(const RADIUS_PACKET *p, unsigned attr, size_t *len);
/* The value of an integer attribute, or def. */
uint32_t radius_msg_int(const RADIUS_PACKET *p, unsigned attr, uint32_t def);
int radius_msg_has(const RADIUS_PACKET *p, unsigned attr);

#endif

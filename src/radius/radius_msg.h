/*
 * Internal: the thin layer over libfreeradius-radius (the codec). Raw
 * checks that the library does not make (Message-Authenticator presence)
 * use the project's cursor.
 */
#ifndef POORT_RADIUS_MSG_H
#define POORT_RADIUS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "poort/cursor.h"
#include "poort_fr.h"

#define RADIUS_HDR_LEN 20
#define RADIUS_MAX_PACKET 4096 /* RFC 2865 */
#define RADIUS_MAX_STRING 253  /* one attribute's value */

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
/* Clears this thread's cache of keyed HMAC states (at shutdown). */
void radius_auth_forget(void);

/*
 * A User-Password from a request (in, encrypted under in_secret and the
 * request's authenticator in_vector) encrypted again for another hop, as
 * libfreeradius's decode and encode would: the password up to its first NUL
 * (at most RADIUS_PW_MAX octets), padded to 16-octet blocks. 0.
 */
#define RADIUS_PW_MAX 128
/* The password alone (NUL-terminated; out has RADIUS_PW_MAX + 16 octets). 0. */
int radius_auth_pw_decrypt(const uint8_t *in, size_t inlen, const uint8_t vector[16],
			   const char *secret, char out[RADIUS_PW_MAX + 16], size_t *outlen);
int radius_auth_pw_recrypt(const uint8_t *in, size_t inlen, const uint8_t in_vector[16],
			   const char *in_secret, const uint8_t out_vector[16],
			   const char *out_secret, uint8_t out[RADIUS_PW_MAX], size_t *outlen);

/* Adds Tunnel-Type VLAN, Tunnel-Medium-Type 802 and Tunnel-Private-Group-Id
 * (RFC 3580) for vlan to list, allocated under ctx; 0 or -1. */
int radius_msg_add_vlan(TALLOC_CTX *ctx, VALUE_PAIR **list, unsigned vlan);

/*
 * The received bytes of a packet (radius_msg_wrap), without decoding: the
 * proxy forwards requests it never decodes. radius_msg_attrs sets c on the
 * attributes; radius_msg_attr_next gives the next one with a value (1), or
 * 0 at the end, -1 if malformed. radius_msg_raw: the value of the first
 * attribute of type attr (RFC space; not for encrypted ones), or NULL.
 */
struct rcursor;
void radius_msg_attrs(const RADIUS_PACKET *p, struct rcursor *c);
int radius_msg_attr_next(struct rcursor *c, uint8_t *type, const uint8_t **val, size_t *len);
const uint8_t *radius_msg_raw(const RADIUS_PACKET *p, unsigned attr, size_t *len);
/* The value of a string attribute, or NULL; *len gets its length. */
const char *radius_msg_str(const RADIUS_PACKET *p, unsigned attr, size_t *len);
/* The value of an integer attribute, or def. */
uint32_t radius_msg_int(const RADIUS_PACKET *p, unsigned attr, uint32_t def);
int radius_msg_has(const RADIUS_PACKET *p, unsigned attr);

/*
 * A reply to an Access-Request written straight into its bytes
 * (radius_enc.c), no pair list: _begin writes the header and a zero
 * Message-Authenticator as the first attribute, the _enc_ calls append
 * attributes (an error sticks, like the cursor's), _finish sets the length
 * and signs (Message-Authenticator and Response Authenticator over the
 * request's vector) and gives the length; 0 or -1. _clear wipes the buffer
 * (it may hold encrypted keys and the signatures).
 */
#define RADIUS_MPPE_KEY_MAX 64
struct radius_enc {
	uint8_t buf[RADIUS_MAX_PACKET];
	struct wcursor w;
};
void radius_enc_begin(struct radius_enc *e, unsigned code, uint8_t id);
/* One attribute (len <= RADIUS_MAX_STRING; an empty value writes nothing). */
int radius_enc_attr(struct radius_enc *e, uint8_t type, const void *val, size_t len);
/* As many attributes of type as len needs (EAP-Message, RFC 3579 3.1). */
int radius_enc_split(struct radius_enc *e, uint8_t type, const void *val, size_t len);
int radius_enc_int(struct radius_enc *e, uint8_t type, uint32_t v);
/* Tunnel-Type VLAN, Tunnel-Medium-Type 802, Tunnel-Private-Group-Id, as
 * radius_msg_add_vlan's pairs encode. */
int radius_enc_vlan(struct radius_enc *e, unsigned vlan);
/* MS-MPPE-Send-Key or -Recv-Key (vtype) encrypted under secret and the
 * request's vector with salt (RFC 2548 2.4.2; radius_enc_salt makes one). */
int radius_enc_mppe_key(struct radius_enc *e, uint8_t vtype, const uint8_t *key, size_t keylen,
                        const uint8_t req_vector[16], const char *secret, const uint8_t salt[2]);
void radius_enc_salt(uint8_t salt[2]);
/* The request's Proxy-State attributes, in order, from its received bytes. */
int radius_enc_proxy_state(struct radius_enc *e, const RADIUS_PACKET *req);
int radius_enc_finish(struct radius_enc *e, const uint8_t req_vector[16], const char *secret,
                      size_t *len);
void radius_enc_clear(struct radius_enc *e);

#endif

/*
 * RFC 6614: over TLS, RADIUS packets follow each other in one stream and
 * each one's Length field says where it ends.
 */
#ifndef POORT_RADIUS_RADSEC_FRAME_H
#define POORT_RADIUS_RADSEC_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

enum { RADSEC_PACKET_MAX = 4096 };

/*
 * Moves the next whole packet at the front of in into out (room for max
 * bytes, max <= RADSEC_PACKET_MAX) and returns its length; 0 while it has
 * not all arrived; -1 when the stream cannot be RADIUS (Length below 20 or
 * above max): the connection must be closed, nothing is resynchronised.
 */
long radsec_frame_next(struct evbuffer *in, uint8_t *out, size_t max);

#endif

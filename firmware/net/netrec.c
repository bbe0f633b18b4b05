/* Network recovery over lwIP (NO_SYS): netif glue for struct drv_net and a
 * TFTP front end to the image sink. See netrec.h. */
#include <string.h>
#if __STDC_HOSTED__
#include <stdio.h>
#include <stdlib.h>
#endif

#include <lwip/apps/tftp_server.h>
#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/pbuf.h>
#include <lwip/sys.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include <poort/fw/err.h>

#include "../core/cur.h"
#include "netrec.h"

/* lwIP's callbacks carry no user pointer (tftp_context, sys_now), so the
 * one running instance is found here. */
static struct netrec *netrec_active;
static uint32_t netrec_rand_state = 0x9e3779b9u;
static int netrec_lwip_ready;

u32_t
sys_now(void)
{
	const struct drv_timer *t;

	if (!netrec_active)
		return 0;
	t = netrec_active->b->timer;
	return t->ops->now_ms(t->ctx);
}

/* Only used by lwIP for non-security choices (ARP/IP ids, ports): a
 * xorshift seeded from the clock is plenty. */
unsigned
netrec_rand(void)
{
	uint32_t x = netrec_rand_state ^ sys_now();

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	netrec_rand_state = x;
	return x;
}

/* Appends a decimal (values here are small) without snprintf, which the
 * boot stage does not have. */
static char *
netrec_put_u32(char *p, const char *end, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

static char *
netrec_put_str(char *p, const char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static void
netrec_status_set(struct netrec *r, int rc, int slot)
{
	char *p = r->status;
	const char *end = r->status + sizeof(r->status) - 1;

	r->result = rc;
	if (rc == 0) {
		p = netrec_put_str(
		    p, end, slot == 1 ? "result=ok slot=B version=" : "result=ok slot=A version=");
		for (int i = 0; i < 3; i++) {
			if (i)
				p = netrec_put_str(p, end, ".");
			p = netrec_put_u32(p, end, r->sink.hdr.ver[i]);
		}
		p = netrec_put_str(p, end, "\n");
	} else {
		p = netrec_put_str(p, end, "result=error code=-");
		p = netrec_put_u32(p, end, (uint32_t)-rc);
		p = netrec_put_str(p, end, " reason=\"");
		p = netrec_put_str(p, end, fw_strerror(rc));
		p = netrec_put_str(p, end, "\"\n");
	}
	*p = '\0';
	r->status_len = (uint32_t)(p - r->status);
}

static void
netrec_log(struct netrec *r, const char *msg)
{
	const struct drv_uart *u = r->b->console;

	u->ops->write(u->ctx, (const uint8_t *)msg, strlen(msg));
}

/* Hands one block of the image to the sink, in order. TFTP sends every
 * byte from 0, so after an interrupted upload under the same header the
 * sink compares the bytes below its proposed resume point with the slot
 * and writes only from there (FW_ERESUME if the slot holds another
 * image's bytes: the journal is dropped and the next upload starts at 0). */
static int
netrec_upload_block(struct netrec *r, const uint8_t *data, uint32_t len)
{
	uint32_t off = r->got;
	uint32_t resume;
	int rc;

	if (!r->sink_open) {
		/* The header arrives in the first block (TFTP blocks are 512
		 * bytes), but do not rely on it: collect it first. */
		uint32_t want = FW_IMAGE_HDR_SIZE - off;
		uint32_t n = len < want ? len : want;

		memcpy(r->hdr + off, data, n);
		r->got += len;
		if (r->got < FW_IMAGE_HDR_SIZE)
			return 0;
		rc = fw_sink_begin(&r->sink, r->hdr, FW_IMAGE_HDR_SIZE, &resume);
		if (rc)
			return rc;
		r->sink_open = 1;
		if (resume)
			netrec_log(r,
			           "netrec: resuming an interrupted upload if its bytes match\r\n");
		/* Header bytes and the rest of this block go in from 0. */
		rc = fw_sink_write(&r->sink, 0, r->hdr, FW_IMAGE_HDR_SIZE);
		if (rc == 0 && len > n)
			rc = fw_sink_write(&r->sink, FW_IMAGE_HDR_SIZE, data + n, len - n);
		off = r->got;
	} else {
		if (len > r->sink.total - off)
			return FW_EINVAL; /* more than the header announced */
		rc = fw_sink_write(&r->sink, off, data, len);
		r->got += len;
		off = r->got;
	}
	if (rc || off < r->sink.total)
		return rc;
	/* Last byte in: same verify and activate as serial recovery. */
	rc = fw_sink_verify(&r->sink);
	r->slot_done = r->sink.slot;
	if (rc == 0)
		rc = fw_sink_activate(&r->sink);
	return rc;
}

static void *
netrec_tftp_open(const char *fname, const char *mode, u8_t is_write)
{
	struct netrec *r = netrec_active;

	if (!r || r->phase != NETREC_IDLE || strcmp(mode, "octet") != 0)
		return NULL;
	r->active = 1;
	if (is_write && strcmp(fname, NETREC_FILE_IMAGE) == 0) {
		fw_sink_free(&r->sink);
		fw_sink_init(&r->sink, r->b, r->key);
		r->sink_open = 0;
		r->got = 0;
		r->result = 1;
		r->phase = NETREC_UPLOAD;
		netrec_log(r, "netrec: upload started\r\n");
		return r;
	}
	if (!is_write && strcmp(fname, NETREC_FILE_STATUS) == 0) {
		if (r->result == 1) {
			memcpy(r->status, "result=none\n", 13);
			r->status_len = 12;
		}
		r->status_pos = 0;
		r->phase = NETREC_READ;
		return r;
	}
	if (!is_write && strcmp(fname, NETREC_FILE_REBOOT) == 0) {
		memcpy(r->status, "rebooting\n", 11);
		r->status_len = 10;
		r->status_pos = 0;
		r->reboot = 1;
		r->phase = NETREC_READ;
		return r;
	}
	return NULL;
}

static void
netrec_tftp_close(void *handle)
{
	struct netrec *r = handle;

	if (r->phase == NETREC_UPLOAD && r->result == 1) {
		/* The transfer ended (short last block, timeout or error)
		 * before the image was whole. */
		netrec_status_set(r, FW_ETRUNC, -1);
	}
	if (r->phase == NETREC_UPLOAD && r->result == 0) {
		netrec_log(r, "netrec: image verified and activated\r\n");
	} else if (r->phase == NETREC_UPLOAD) {
		netrec_log(r, "netrec: upload failed reason=\"");
		netrec_log(r, fw_strerror(r->result));
		netrec_log(r, "\"\r\n");
	}
	if (r->phase == NETREC_READ && r->reboot)
		r->reboot = 2; /* reply sent: netrec_poll asks for the reset */
	r->phase = NETREC_IDLE;
}

static int
netrec_tftp_read(void *handle, void *buf, int bytes)
{
	struct netrec *r = handle;
	uint32_t n = r->status_len - r->status_pos;

	if (bytes < 0)
		return -1;
	r->active = 1;
	if (n > (uint32_t)bytes)
		n = (uint32_t)bytes;
	memcpy(buf, r->status + r->status_pos, n);
	r->status_pos += n;
	return (int)n;
}

static int
netrec_tftp_write(void *handle, struct pbuf *p)
{
	struct netrec *r = handle;
	int rc;

	if (r->phase != NETREC_UPLOAD || r->result != 1 || p->tot_len > sizeof(r->block))
		return -1;
	r->active = 1;
	if (pbuf_copy_partial(p, r->block, p->tot_len, 0) != p->tot_len)
		return -1;
	rc = netrec_upload_block(r, r->block, p->tot_len);
	if (rc == 0 && r->sink_open && r->got == r->sink.total)
		netrec_status_set(r, 0, r->slot_done);
	else if (rc)
		netrec_status_set(r, rc, -1);
	/* lwIP answers any negative value with one generic TFTP error; the
	 * precise reason is in "status" and on the console. */
	return rc ? -1 : 0;
}

static const struct tftp_context netrec_tftp = {
    .open = netrec_tftp_open,
    .close = netrec_tftp_close,
    .read = netrec_tftp_read,
    .write = netrec_tftp_write,
};

static err_t
netrec_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct netrec *r = netif->state;
	const struct drv_net *n = r->b->net;
	uint16_t len = p->tot_len;

	if (len > sizeof(r->frame))
		return ERR_BUF;
	if (pbuf_copy_partial(p, r->frame, len, 0) != len)
		return ERR_BUF;
	return n->ops->send(n->ctx, r->frame, len) == 0 ? ERR_OK : ERR_IF;
}

static err_t
netrec_netif_init(struct netif *netif)
{
	struct netrec *r = netif->state;
	const struct drv_net *n = r->b->net;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->output = etharp_output;
	netif->linkoutput = netrec_linkoutput;
	netif->mtu = n->mtu ? n->mtu : 1500;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	n->ops->get_mac(n->ctx, netif->hwaddr);
	netif->flags =
	    NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

int
netrec_init(struct netrec *r, const struct board *b, const struct fw_pubkey *key)
{
	ip4_addr_t addr, mask, gw;

	if (!b->net)
		return FW_EINVAL;
	if (netrec_active)
		return FW_ESTATE;
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->key = key;
	r->result = 1;
	fw_sink_init(&r->sink, b, key);
	netrec_active = r;
	/* Once per program: lwIP 2.1.3's lwip_init() re-creates its pools but
	 * keeps its list of pending timeouts, which then points into freed
	 * pool memory (found by the fuzz harness, which re-inits per input). */
	if (!netrec_lwip_ready) {
		lwip_init();
		netrec_lwip_ready = 1;
	}
	ip4addr_aton(NETREC_ADDR, &addr);
	ip4addr_aton(NETREC_NETMASK, &mask);
	ip4_addr_set_zero(&gw);
	if (!netif_add(&r->netif, &addr, &mask, &gw, r, netrec_netif_init, ethernet_input)) {
		netrec_active = NULL;
		return FW_EINVAL;
	}
	netif_set_default(&r->netif);
	netif_set_up(&r->netif);
	if (tftp_init(&netrec_tftp) != ERR_OK) {
		netif_remove(&r->netif);
		netrec_active = NULL;
		return FW_ESTATE;
	}
	netrec_log(r, "netrec: tftp recovery at " NETREC_ADDR "\r\n");
	return 0;
}

static uint16_t
netrec_be16(struct fw_cur *c)
{
	const uint8_t *q = fw_cur_take(c, 2);

	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

/* Is this frame a TFTP read or write request to our port 69? */
static int
netrec_is_tftp_request(const uint8_t *frame, size_t len)
{
	struct fw_cur c;
	uint8_t vihl;
	size_t ihl;
	uint16_t op;

	fw_cur_init(&c, frame, len);
	fw_cur_take(&c, 12); /* MAC addresses */
	if (netrec_be16(&c) != 0x0800)
		return 0;
	vihl = fw_cur_u8(&c);
	ihl = (size_t)(vihl & 0xfu) * 4u;
	if (vihl >> 4 != 4 || ihl < 20)
		return 0;
	fw_cur_take(&c, 8); /* TOS, length, id, fragment, TTL */
	if (fw_cur_u8(&c) != 17)
		return 0;
	fw_cur_take(&c, ihl - 10); /* checksum, addresses, options */
	fw_cur_take(&c, 2);        /* source port */
	if (netrec_be16(&c) != 69)
		return 0;
	fw_cur_take(&c, 4); /* UDP length, checksum */
	op = netrec_be16(&c);
	return !c.err && (op == 1 || op == 2);
}

/* One frame from the driver into lwIP. Returns 1 if one was handled, 0 if
 * none came within timeout_ms, NETREC_DOWN, or a negative FW_E*. */
static int
netrec_rx_one(struct netrec *r, uint32_t timeout_ms)
{
	const struct drv_net *n = r->b->net;
	enum netrec_phase before;
	struct pbuf *p;
	int req, len = n->ops->recv(n->ctx, r->frame, sizeof(r->frame), timeout_ms);

	if (len == DRV_ENODEV)
		return NETREC_DOWN;
	if (len < 0)
		return len == DRV_EPOWER ? FW_EPOWER : FW_EINVAL;
	if (len == 0)
		return 0;
	req = netrec_is_tftp_request(r->frame, (size_t)len);
	before = r->phase;
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p)
		return 1; /* out of buffers: drop, the peer retransmits */
	pbuf_take(p, r->frame, (u16_t)len);
	if (r->netif.input(p, &r->netif) != ERR_OK)
		pbuf_free(p);
	/* lwIP 2.1.3's TFTP server arms its tick timer for every request
	 * before it looks at it, and a refused request leaves that timer
	 * pending: a burst of bad requests drains the timer pool (found by
	 * fuzzing). A request that opened nothing is such a refusal; a
	 * restart of the server removes its timer (and nothing else is
	 * open to lose). */
	if (req && before == NETREC_IDLE && r->phase == NETREC_IDLE) {
		tftp_cleanup();
		if (tftp_init(&netrec_tftp) != ERR_OK)
			netrec_log(r, "netrec: tftp server restart failed\r\n");
	}
	return 1;
}

int
netrec_poll(struct netrec *r, uint32_t timeout_ms)
{
	const struct drv_timer *t = r->b->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	int rc = netrec_rx_one(r, timeout_ms);

	/* A TFTP transfer is stop-and-wait: the next block follows our ACK
	 * within a round trip, so keep receiving while frames come rather
	 * than give the line up for a whole console poll each block. */
	while (rc == 1 && (uint32_t)(t->ops->now_ms(t->ctx) - start) < NETREC_POLL_MAX_MS) {
		sys_check_timeouts();
		rc = netrec_rx_one(r, r->phase != NETREC_IDLE ? 5 : 0);
	}
	sys_check_timeouts();
	/* A reboot asked for comes first, even if the peer left right after
	 * acknowledging the reply (a client does exactly that). */
	if (r->reboot == 2) {
		r->reboot = 0;
		return NETREC_REBOOT;
	}
	if (rc < 0 || rc == NETREC_DOWN)
		return rc;
	return 0;
}

int
netrec_result(const struct netrec *r)
{
	return r->result;
}

void
netrec_free(struct netrec *r)
{
	if (netrec_active != r)
		return;
	tftp_cleanup();
	netif_remove(&r->netif);
	fw_sink_free(&r->sink);
	netrec_active = NULL;
}

int
netrec_board_poll(const struct board *b)
{
	int rc;

	if (!netrec_active || netrec_active->b != b || netrec_active->down)
		return 0;
	rc = netrec_poll(netrec_active, 0);
	if (rc == NETREC_DOWN) {
		/* Cable or device gone: serial recovery goes on alone. */
		netrec_active->down = 1;
		netrec_log(netrec_active, "netrec: link gone, network recovery off\r\n");
		return 0;
	}
	/* A dead device must not end serial recovery either. */
	if (rc < 0 && rc != FW_EPOWER)
		return 0;
	if (rc == 0 && netrec_active->active) {
		netrec_active->active = 0;
		return BOARD_NET_ACTIVE; /* a client is at work: no idle reboot */
	}
	return rc;
}

void
netrec_assert(const char *msg, const char *file, int line)
{
	(void)line;
	if (netrec_active) {
		netrec_log(netrec_active, "netrec: lwIP assertion: ");
		netrec_log(netrec_active, msg);
		netrec_log(netrec_active, " at ");
		netrec_log(netrec_active, file);
		netrec_log(netrec_active, "\r\n");
	}
	/* In the simulator and the fuzz harness an assertion is a bug to find:
	 * abort. In the boot stage, lwIP's code after each assertion already
	 * handles the case (drops the packet, skips the timer), and stopping
	 * would let one packet end recovery; so say it and go on. */
#if __STDC_HOSTED__
	fprintf(stderr, "netrec: lwIP assertion: %s at %s:%d\n", msg, file, line);
	abort();
#else
	(void)line;
#endif
}

/* poort-flash: writes a Poort image into a box over its serial console.
 *
 *   poort-flash [--port DEV] [--baud 115200] [--wait 60] [--window N]
 *               [--no-activate] [--no-reset] IMAGE
 *   poort-flash [--port DEV] [--no-reset] --info | --factory-reset
 *
 * Finds the box (probing USB serial adapters if no --port), gets it into
 * recovery (it answers within its boot window, or is already there),
 * uploads with a window of chunks in flight, resumes where the box's
 * journal says once the box has checked that its partial copy is this
 * image's (SHA-256 of the prefix), verifies, activates for a trial boot
 * and reboots. Whenever the box answered, it is reset at the end (after
 * --info, a refusal or a factory reset too) so it goes back to its image;
 * --no-reset (or --no-reboot) leaves it in recovery. The last line of
 * output says what happened, in one sentence.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include <poort/fw/err.h>
#include <poort/fw/image.h>
#include <poort/fw/lz4.h>

#include "../../firmware/core/cur.h"
#include "link.h"
#include "mkimage_lib.h"
#include "serial.h"

#define EXIT_REFUSED 1 /* the box said no */
#define EXIT_USAGE 2
#define EXIT_LINK 3 /* timeout, port trouble */

struct box_info {
	uint8_t proto;
	uint32_t board_id;
	char name[33];
	uint32_t chunk;
	uint16_t window;
	uint8_t primary, trial, trial_boots;
	uint32_t min_rollback;
	struct {
		int status;
		uint16_t ver[3];
		uint32_t rollback;
	} slot[2];
	int has_limits; /* protocol 2: the sizes below were sent */
	uint32_t load_max;
	uint32_t slot_size[2];
};

static volatile sig_atomic_t interrupted;
static int quiet;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The one line that says how it ended. */
__attribute__((format(printf, 2, 3))) static int
outcome(int code, const char *fmt, ...)
{
	va_list ap;

	if (!quiet && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	printf("poort-flash: %s: ", code ? "FAILED" : "OK");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return code;
}

__attribute__((format(printf, 1, 2))) static void
note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
info_parse(const struct link_reply *r, struct box_info *bi)
{
	struct fw_cur c;
	uint8_t nl;

	fw_cur_init(&c, r->data, r->len);
	bi->proto = fw_cur_u8(&c);
	bi->board_id = fw_cur_u32(&c);
	nl = fw_cur_u8(&c);
	if (nl > 32)
		return -1;
	fw_cur_bytes(&c, bi->name, nl);
	bi->name[nl] = 0;
	bi->chunk = fw_cur_u32(&c);
	bi->window = fw_cur_u16(&c);
	bi->primary = fw_cur_u8(&c);
	bi->trial = fw_cur_u8(&c);
	bi->trial_boots = fw_cur_u8(&c);
	bi->min_rollback = fw_cur_u32(&c);
	for (int i = 0; i < 2; i++) {
		bi->slot[i].status = -(int)fw_cur_u8(&c);
		for (int k = 0; k < 3; k++)
			bi->slot[i].ver[k] = fw_cur_u16(&c);
		bi->slot[i].rollback = fw_cur_u32(&c);
	}
	bi->has_limits = !c.err && fw_cur_left(&c) >= 12;
	if (bi->has_limits) {
		bi->load_max = fw_cur_u32(&c);
		bi->slot_size[0] = fw_cur_u32(&c);
		bi->slot_size[1] = fw_cur_u32(&c);
	}
	return c.err ? -1 : 0;
}

static void
info_print(const struct box_info *bi, FILE *out)
{
	fprintf(out, "box: board=%s id=0x%08x rollback-floor=%u\n", bi->name, bi->board_id,
	        bi->min_rollback);
	for (int i = 0; i < 2; i++) {
		const char *role = bi->primary == i ? "confirmed"
		                   : bi->trial == i ? "trial"
		                                    : "spare";
		if (bi->slot[i].status == FW_EFORMAT)
			fprintf(out, "  slot %c: %s, empty\n", 'A' + i, role);
		else if (bi->slot[i].status)
			fprintf(out, "  slot %c: %s, no usable image (%s)\n", 'A' + i, role,
			        fw_strerror(bi->slot[i].status));
		else
			fprintf(out, "  slot %c: %s, version %u.%u.%u rollback %u\n", 'A' + i, role,
			        bi->slot[i].ver[0], bi->slot[i].ver[1], bi->slot[i].ver[2],
			        bi->slot[i].rollback);
	}
}

/* The RAM the box's boot stage needs for this image, by the boot stage's
 * own rule (fw_image_load_need), with the kernel's arm64 Image header when
 * it has one. The box's load area is taken to start 2 MiB aligned, as on
 * every board; the box checks again with its own address. */
static uint32_t
image_load_need(const uint8_t *img, const struct fw_image_hdr *h)
{
	const struct fw_image_comp *e = fw_image_comp_find(h, FW_COMP_KERNEL);
	struct fw_arm64_image ai;
	const struct fw_arm64_image *k = NULL;
	uint8_t *dec = NULL;
	const uint8_t *kern = NULL;
	uint32_t need;

	if (e && e->comp == FW_IMAGE_COMP_NONE) {
		kern = img + e->offset;
	} else if (e && e->comp == FW_IMAGE_COMP_LZ4) {
		dec = malloc(e->size);
		if (dec &&
		    fw_lz4_decode(img + e->offset, e->stored_size, dec, e->size) == (long)e->size)
			kern = dec;
	}
	if (kern && fw_arm64_image_parse(kern, e->size, &ai) == 0)
		k = &ai;
	need = fw_image_load_need(h, k, 0);
	free(dec);
	return need;
}

/* The reason for a refusal; for a size limit, with the numbers when the
 * box sent its limits. */
static void
refusal_text(int code, uint32_t need, size_t len, const struct box_info *bi, char *buf, size_t cap)
{
	if (code == FW_ELOAD && bi->has_limits)
		snprintf(buf, cap,
		         "image too large for the board's load area: it unpacks into %u bytes of "
		         "RAM, the box's load area holds %u",
		         need, bi->load_max);
	else if (code == FW_ESIZE && bi->has_limits)
		snprintf(buf, cap, "image too large for the slot: %zu bytes, a slot holds %u", len,
		         bi->slot_size[0] < bi->slot_size[1] ? bi->slot_size[0] : bi->slot_size[1]);
	else
		snprintf(buf, cap, "%s", fw_strerror(code));
}

/* Ends a session with a box that answered: unless told not to, it is
 * reset, so it goes back to its image (or, with none, to recovery) rather
 * than wait in recovery. Returns the words for the outcome line. */
static const char *
box_leave(struct link *l, int reset)
{
	struct link_reply r;

	if (!reset)
		return "";
	if (link_call(l, FW_CMD_REBOOT, NULL, 0, &r, 2000, 1) == 1 && r.status == 0)
		return "; the box is restarting";
	return "; the box did not answer the reset";
}

/* Pokes the box until it answers INFO: a zero byte (its recovery key and
 * our frame delimiter) and an INFO frame every 100 ms. */
static int
box_find(struct link *l, struct box_info *bi, int wait_s)
{
	uint64_t end = link_now_ms() + (uint64_t)wait_s * 1000;
	int said = 0;

	while (link_now_ms() < end && !interrupted) {
		struct link_reply r;
		static const uint8_t key = 0;
		int rc;

		if (serial_write(l->fd, &key, 1))
			return -1;
		rc = link_call(l, FW_CMD_INFO, NULL, 0, &r, 100, 1);
		if (rc < 0)
			return -1;
		if (rc == 1 && r.status == 0 && info_parse(&r, bi) == 0)
			return 1;
		if (!said && link_now_ms() + (uint64_t)wait_s * 1000 > end + 1500) {
			note("waiting for the box: power-cycle it or hold its recovery button");
			said = 1;
		}
	}
	return 0;
}

static int
file_load(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	*out = malloc((size_t)n + 1);
	if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*out);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

struct progress {
	uint64_t start_ms, last_ms;
	uint32_t from, total;
	unsigned baud;
	int tty;
	int last_pct;
};

static void
progress_show(struct progress *p, uint32_t done, int final)
{
	uint64_t now = link_now_ms();
	double el = (double)(now - p->start_ms) / 1000.0;
	double rate = el > 0 ? (double)(done - p->from) / el : 0;
	double eta = rate > 0 ? (double)(p->total - done) / rate : 0;
	int pct = (int)(100.0 * done / p->total);
	char bar[31];

	if (quiet || (!final && now - p->last_ms < 200))
		return;
	if (!p->tty && !final && pct / 10 == p->last_pct / 10)
		return;
	p->last_ms = now;
	p->last_pct = pct;
	for (int i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '.';
	bar[30] = 0;
	fprintf(stderr, "%s[%s] %3d%% %7.1f KiB/s (%2.0f%% of line) ETA %d:%02d%s",
	        p->tty ? "\r" : "", bar, pct, rate / 1024, 100.0 * rate / (p->baud / 10.0),
	        (int)eta / 60, (int)eta % 60, p->tty ? "" : "\n");
}

struct upload {
	struct link *l;
	const uint8_t *img;
	uint32_t total, chunk, window;
	unsigned baud;
	uint32_t resends;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Go-back-N: up to `window` chunks ahead of the last acknowledged offset;
 * a NAK or a silence sends us back to what the box expects. Returns 0,
 * a FW_E* from the box, or FW_ETIMEOUT with *stuck set. */
static int
upload_run(struct upload *u, uint32_t from, struct progress *pg, uint32_t *stuck)
{
	static uint8_t buf[4 + FW_PROTO_CHUNK];
	uint32_t base = from, sendp = from;
	/* a full window at line rate, twice, plus slack for the flash */
	int ack_ms = 1500 + (int)((uint64_t)u->window * u->chunk * 10 * 2000 / u->baud);
	int tries = 0;

	while (base < u->total) {
		struct link_reply r;
		int rc;

		if (interrupted) {
			*stuck = base;
			return FW_ETIMEOUT;
		}
		while (sendp < u->total && sendp - base < u->window * u->chunk) {
			uint32_t n = u->total - sendp < u->chunk ? u->total - sendp : u->chunk;
			put32(buf, sendp);
			memcpy(buf + 4, u->img + sendp, n);
			if (link_send(u->l, FW_CMD_DATA, buf, 4 + n) < 0)
				return FW_EFLASH - 1000; /* port gone */
			sendp += n;
		}
		rc = link_recv(u->l, &r, ack_ms);
		if (rc < 0)
			return FW_EFLASH - 1000;
		if (rc == 0) {
			if (++tries > 5) {
				*stuck = base;
				return FW_ETIMEOUT;
			}
			u->resends++;
			sendp = base;
			continue;
		}
		if (r.cmd != FW_CMD_DATA || r.len < 4)
			continue; /* a late answer to an earlier question */
		uint32_t next = get32(r.data);
		if (r.status == 0) {
			if (next > base) {
				base = next;
				tries = 0;
			}
		} else if (r.status == FW_ESEQ) {
			u->resends++;
			base = next;
			sendp = next;
		} else {
			*stuck = base;
			return r.status;
		}
		progress_show(pg, base, 0);
	}
	return 0;
}

static const char *
slot_name(int s)
{
	return s == 0 ? "A" : s == 1 ? "B" : "?";
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"baud", required_argument, NULL, 'b'},
	    {"wait", required_argument, NULL, 'w'},
	    {"window", required_argument, NULL, 'W'},
	    {"info", no_argument, NULL, 'i'},
	    {"factory-reset", no_argument, NULL, 'F'},
	    {"no-activate", no_argument, NULL, 'A'},
	    {"no-reboot", no_argument, NULL, 'R'},
	    {"no-reset", no_argument, NULL, 'R'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	const char *port = NULL, *path = NULL;
	unsigned baud = 115200, window = 8;
	int wait_s = 60, do_info = 0, do_factory = 0, activate = 1, reset = 1;
	struct fw_image_hdr h;
	struct box_info bi;
	struct link l;
	struct link_reply r;
	struct progress pg;
	struct upload u;
	uint8_t *img = NULL, begin[4 + FW_IMAGE_HDR_SIZE], proof[4 + SHA256_DIGEST_LENGTH];
	size_t img_len = 0;
	uint32_t need = 0;
	uint32_t resume, stuck = 0;
	char err[256], why[160];
	int fd = -1, c, rc;

	while ((c = getopt_long(argc, argv, "p:b:q", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = optarg;
			break;
		case 'b':
			baud = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		case 'W':
			window = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			do_info = 1;
			break;
		case 'F':
			do_factory = 1;
			break;
		case 'A':
			activate = 0;
			break;
		case 'R':
			reset = 0;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			fprintf(stderr, "usage: poort-flash [--port DEV] [--baud N] "
			                "[--wait S] [--window N] [--no-activate] "
			                "[--no-reset] IMAGE | --info | --factory-reset\n");
			return EXIT_USAGE;
		}
	}
	if (!do_info && !do_factory) {
		if (optind != argc - 1)
			return outcome(EXIT_USAGE, "no image given (poort-flash --help)");
		path = argv[optind];
		if (file_load(path, &img, &img_len))
			return outcome(EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
		rc = fw_image_hdr_parse(img, img_len, &h);
		if (rc == 0 && img_len != fw_image_total_size(&h))
			rc = img_len < fw_image_total_size(&h) ? FW_ETRUNC : FW_EFORMAT;
		if (rc == 0)
			rc = fw_image_table_parse(img + FW_IMAGE_HDR_SIZE, fw_image_table_size(&h),
			                          &h);
		if (rc == 0)
			need = image_load_need(img, &h);
		if (rc) {
			free(img);
			return outcome(EXIT_REFUSED, "%s: %s", path, fw_strerror(rc));
		}
	}
	if (window < 1 || window > 64)
		window = 8;
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	signal(SIGPIPE, SIG_IGN);

	if (port) {
		fd = serial_open(port, baud, err, sizeof(err));
		if (fd < 0) {
			free(img);
			return outcome(EXIT_LINK, "%s", err);
		}
		link_init(&l, fd);
		rc = box_find(&l, &bi, wait_s);
	} else {
		/* No port named: ask every adapter in turn, briefly. */
		char **ports = serial_list();
		rc = 0;
		for (size_t i = 0; ports && ports[i] && rc != 1; i++) {
			fd = serial_open(ports[i], baud, err, sizeof(err));
			if (fd < 0)
				continue;
			link_init(&l, fd);
			note("probing %s", ports[i]);
			rc = box_find(&l, &bi, ports[i + 1] ? 3 : wait_s);
			if (rc == 1) {
				static char found[256];
				snprintf(found, sizeof(found), "%s", ports[i]);
				port = found;
			} else {
				close(fd);
				fd = -1;
			}
		}
		serial_list_free(ports);
		if (!port) {
			free(img);
			return outcome(EXIT_LINK, "no box found on any serial adapter "
			                          "(plug in the cable or name one with --port)");
		}
	}
	if (rc < 0) {
		rc = outcome(EXIT_LINK, "%s went away (cable unplugged?)", port);
		goto out;
	}
	if (rc == 0) {
		rc = outcome(EXIT_LINK,
		             "timeout: the box did not answer a recovery request "
		             "on %s within %d s (power-cycle it; check cable and "
		             "--baud %u)",
		             port, wait_s, baud);
		goto out;
	}
	if (!quiet)
		info_print(&bi, stderr);
	if (do_info) {
		info_print(&bi, stdout);
		rc = outcome(0, "box on %s answered%s", port, box_leave(&l, reset));
		goto out;
	}
	if (do_factory) {
		rc = link_call(&l, FW_CMD_FACTORY, NULL, 0, &r, 30000, 1);
		if (rc != 1)
			rc = outcome(EXIT_LINK, "timeout: no answer to factory reset within 30 s");
		else if (r.status)
			rc = outcome(EXIT_REFUSED, "factory reset failed: %s%s",
			             fw_strerror(r.status), box_leave(&l, reset));
		else
			rc = outcome(0,
			             "factory reset done: config, state and "
			             "upload journal wiped, slots kept%s",
			             box_leave(&l, reset));
		goto out;
	}

	/* The box checks all of this too; asking first gives a better line. */
	if (h.board_id != bi.board_id) {
		rc = outcome(EXIT_REFUSED,
		             "wrong board: the image is for %s (0x%08x), the box is "
		             "%s (0x%08x)%s",
		             mk_board_name(h.board_id), h.board_id, bi.name, bi.board_id,
		             box_leave(&l, reset));
		goto out;
	}
	if (h.rollback < bi.min_rollback) {
		rc = outcome(EXIT_REFUSED,
		             "older than installed: image rollback counter %u is "
		             "below the box's minimum %u%s",
		             h.rollback, bi.min_rollback, box_leave(&l, reset));
		goto out;
	}
	if (bi.has_limits && need > bi.load_max) {
		refusal_text(FW_ELOAD, need, img_len, &bi, why, sizeof(why));
		rc = outcome(EXIT_REFUSED, "%s%s", why, box_leave(&l, reset));
		goto out;
	}

	put32(begin, (uint32_t)img_len);
	memcpy(begin + 4, img, FW_IMAGE_HDR_SIZE);
	rc = link_call(&l, FW_CMD_BEGIN, begin, sizeof(begin), &r, 10000, 3);
	if (rc != 1) {
		rc = outcome(EXIT_LINK,
		             "timeout: no answer to the upload request in 3 tries of 10 s");
		goto out;
	}
	if (r.status) {
		refusal_text(r.status, need, img_len, &bi, why, sizeof(why));
		rc = outcome(EXIT_REFUSED, "the box refused the image: %s%s", why,
		             box_leave(&l, reset));
		goto out;
	}
	if (r.len < 11) {
		rc = outcome(EXIT_LINK, "malformed answer to the upload request");
		goto out;
	}
	resume = get32(r.data);
	u.chunk = get32(r.data + 4);
	u.window = r.data[8] | (uint32_t)r.data[9] << 8;
	if (resume > img_len) {
		rc = outcome(EXIT_LINK, "malformed answer to the upload request");
		goto out;
	}
	if (resume) {
		/* The box has bytes under this header; they are kept only if
		 * they are this image's, which the box checks. */
		put32(proof, resume);
		SHA256(img, resume, proof + 4);
		rc = link_call(&l, FW_CMD_RESUME, proof, sizeof(proof), &r, 10000, 3);
		if (rc != 1) {
			rc = outcome(EXIT_LINK, "timeout: no answer to the resume check in 3 "
			                        "tries of 10 s");
			goto out;
		}
		if (r.status == FW_ECMD) {
			/* protocol 1: it cannot check, and expects its offset */
			note("the box's boot stage cannot check its partial copy; resuming on "
			     "its word");
		} else if (r.status) {
			rc = outcome(EXIT_REFUSED, "the box refused to resume: %s%s",
			             fw_strerror(r.status), box_leave(&l, reset));
			goto out;
		} else if (r.len < 4 || get32(r.data) != resume) {
			note("the box held part of another image under this header; starting over");
			resume = 0;
		}
	}
	u.l = &l;
	u.img = img;
	u.total = (uint32_t)img_len;
	u.chunk = u.chunk > FW_PROTO_CHUNK || !u.chunk ? FW_PROTO_CHUNK : u.chunk;
	u.window = u.window < window ? u.window : window;
	u.baud = baud;
	u.resends = 0;
	if (resume)
		note("resuming at %u of %u bytes (%u%% already on the box)", resume, u.total,
		     (unsigned)(100.0 * resume / u.total));
	memset(&pg, 0, sizeof(pg));
	pg.start_ms = link_now_ms();
	pg.from = resume;
	pg.total = u.total;
	pg.baud = baud;
	pg.tty = isatty(STDERR_FILENO);
	pg.last_pct = -100;
	rc = upload_run(&u, resume, &pg, &stuck);
	if (rc == FW_ETIMEOUT) {
		rc = outcome(EXIT_LINK,
		             interrupted ? "interrupted at byte %u of %u; run "
		                           "again to resume"
		                         : "timeout: no acknowledgement for the "
		                           "chunk at byte %u of %u after 5 tries "
		                           "(cable pulled or line too noisy?); "
		                           "run again to resume",
		             stuck, u.total);
		goto out;
	}
	if (rc == FW_EFLASH - 1000) {
		rc =
		    outcome(EXIT_LINK, "%s went away during the upload; run again to resume", port);
		goto out;
	}
	if (rc) {
		rc = outcome(EXIT_REFUSED, "the box stopped the upload at byte %u: %s%s", stuck,
		             fw_strerror(rc), box_leave(&l, reset));
		goto out;
	}
	progress_show(&pg, u.total, 1);
	{
		double el = (double)(link_now_ms() - pg.start_ms) / 1000.0;
		double rate = el > 0 ? (u.total - resume) / el : 0;
		rc = link_call(&l, FW_CMD_VERIFY, NULL, 0, &r, 10000, 3);
		if (rc != 1) {
			rc = outcome(EXIT_LINK,
			             "timeout: no verification result in 3 tries of 10 s");
			goto out;
		}
		if (r.status) {
			refusal_text(r.status, need, img_len, &bi, why, sizeof(why));
			rc = outcome(EXIT_REFUSED, "the box rejected the image: %s%s", why,
			             box_leave(&l, reset));
			goto out;
		}
		if (!quiet)
			fprintf(stderr, "\n");
		note("sent %u bytes in %.1f s: %.1f KiB/s, %.0f%% of the line "
		     "(%u resends, %llu damaged frames)",
		     u.total - resume, el, rate / 1024, 100.0 * rate / (baud / 10.0), u.resends,
		     (unsigned long long)l.bad_frames);
	}
	int slot = r.len >= 11 ? r.data[10] : -1;
	if (!activate) {
		rc = outcome(0, "%s v%u.%u.%u verified in slot %s, not activated%s", bi.name,
		             h.ver[0], h.ver[1], h.ver[2], slot_name(slot), box_leave(&l, reset));
		goto out;
	}
	rc = link_call(&l, FW_CMD_ACTIVATE, NULL, 0, &r, 3000, 3);
	if (rc != 1) {
		rc = outcome(EXIT_LINK, "timeout: no answer to activate in 3 tries of 3 s");
		goto out;
	}
	if (r.status) {
		rc = outcome(EXIT_REFUSED, "activation refused: %s%s", fw_strerror(r.status),
		             box_leave(&l, reset));
		goto out;
	}
	if (reset)
		link_call(&l, FW_CMD_REBOOT, NULL, 0, &r, 2000, 1);
	rc = outcome(0,
	             "%s v%u.%u.%u (rollback %u) written to slot %s and activated "
	             "for a trial boot%s",
	             bi.name, h.ver[0], h.ver[1], h.ver[2], h.rollback, slot_name(slot),
	             reset ? "; the box is rebooting" : "");
out:
	if (fd >= 0)
		close(fd);
	free(img);
	return rc;
}

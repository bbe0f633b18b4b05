/*
 * The backup file's header and payload parsers (poort/backup.h): no I/O,
 * no crypto, every field through the bounds-checked cursor. The payload
 * parser is fed the decrypted bytes in any split and hands entries to a
 * sink; the fuzz harness (tests/fuzz/backup) drives both.
 */
#include <string.h>

#include "poort/backup.h"
#include "poort/cursor.h"

static const uint8_t backup_magic[8] = {'P', 'O', 'O', 'R', 'T', 'B', 'A', 'K'};

const char *
backup_strerror(int code)
{
	switch (code) {
	case 0:
		return "ok";
	case BACKUP_EIO:
		return "cannot read or write a file";
	case BACKUP_EFORMAT:
		return "not a Poort backup file";
	case BACKUP_EVERSION:
		return "made by a newer Poort: this version cannot read it";
	case BACKUP_EPASSPHRASE:
		return "wrong passphrase";
	case BACKUP_EDAMAGED:
		return "the file is damaged or truncated";
	case BACKUP_ETRUNCATED:
		return "the file is truncated";
	case BACKUP_ECONTENT:
		return "the backup's contents are invalid";
	case BACKUP_ETARGET:
		return "the state directory is not empty";
	case BACKUP_ENOMEM:
		return "out of memory";
	case BACKUP_ECRYPTO:
		return "encryption failed";
	case BACKUP_ESTORE:
		return "cannot copy the store";
	case BACKUP_EPASSWEAK:
		return "the passphrase is too short";
	default:
		return "unknown error";
	}
}

int
backup_header_parse(const uint8_t *buf, size_t len, struct backup_header *h)
{
	struct rcursor c;
	uint8_t magic[8];

	memset(h, 0, sizeof(*h));
	if (len < sizeof(magic))
		return BACKUP_ETRUNCATED;
	rcursor_init(&c, buf, len);
	if (rcursor_bytes(&c, magic, sizeof(magic)) < 0 ||
	    memcmp(magic, backup_magic, sizeof(magic)) != 0)
		return BACKUP_EFORMAT;
	if (len < BACKUP_HEADER_LEN)
		return BACKUP_ETRUNCATED;
	if (rcursor_u16(&c, &h->version) < 0 || rcursor_u8(&c, &h->kdf) < 0 ||
	    rcursor_u8(&c, &h->aead) < 0 || rcursor_u8(&c, &h->log2n) < 0 ||
	    rcursor_u8(&c, &h->r) < 0 || rcursor_u8(&c, &h->p) < 0 ||
	    rcursor_u8(&c, &h->log2chunk) < 0 || rcursor_bytes(&c, h->salt, sizeof(h->salt)) < 0 ||
	    rcursor_bytes(&c, h->nonce, sizeof(h->nonce)) < 0 ||
	    rcursor_bytes(&c, h->check, sizeof(h->check)) < 0)
		return BACKUP_ETRUNCATED;
	if (h->version == 0)
		return BACKUP_EFORMAT;
	if (h->version > BACKUP_VERSION)
		return BACKUP_EVERSION;
	/* bounded: a header must not make us spend a gigabyte or an hour */
	if (h->kdf != 1 || h->aead != 1 || h->log2n < 14 || h->log2n > 20 || h->r < 1 ||
	    h->r > 16 || h->p < 1 || h->p > 4 || (128ull << h->log2n) * h->r > (512ull << 20) ||
	    h->log2chunk < 10 || h->log2chunk > 20)
		return BACKUP_EFORMAT;
	return 0;
}

void
backup_header_write(const struct backup_header *h, uint8_t out[BACKUP_HEADER_LEN])
{
	struct wcursor c;

	wcursor_init(&c, out, BACKUP_HEADER_LEN);
	wcursor_bytes(&c, backup_magic, sizeof(backup_magic));
	wcursor_u16(&c, h->version);
	wcursor_u8(&c, h->kdf);
	wcursor_u8(&c, h->aead);
	wcursor_u8(&c, h->log2n);
	wcursor_u8(&c, h->r);
	wcursor_u8(&c, h->p);
	wcursor_u8(&c, h->log2chunk);
	wcursor_bytes(&c, h->salt, sizeof(h->salt));
	wcursor_bytes(&c, h->nonce, sizeof(h->nonce));
	wcursor_bytes(&c, h->check, sizeof(h->check));
}

int
backup_name_valid(const char *name)
{
	size_t n = strlen(name);
	const char *p, *seg;

	if (n == 0 || n > BACKUP_NAME_MAX)
		return 0;
	if (strcmp(name, "config") == 0)
		return 1;
	if (strncmp(name, "state/", 6) != 0)
		return 0;
	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	/* components of the relative path after "state/" */
	for (seg = name + 6;;) {
		size_t sl = strcspn(seg, "/");
		if (sl == 0 || (sl == 1 && seg[0] == '.') || (sl == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (seg[sl] == '\0')
			return 1;
		seg += sl + 1;
	}
}

enum { BP_TYPE, BP_HEAD, BP_DATA, BP_DONE, BP_FAILED };

void
backup_parser_init(struct backup_parser *bp, const struct backup_sink *sink)
{
	memset(bp, 0, sizeof(*bp));
	bp->sink = *sink;
	bp->state = BP_TYPE;
}

/*
 * The header of the entry in bp->hdr is complete when it holds need bytes;
 * need grows once the name length is known. Returns 1 when complete, 0 for
 * more, or an error.
 */
static int
bp_head_need(struct backup_parser *bp)
{
	uint8_t type = bp->hdr[0];
	uint16_t nl;

	if (type == 'E') {
		bp->need = 1 + 4;
		return bp->hlen >= bp->need;
	}
	if (bp->hlen < 3) {
		bp->need = 3;
		return 0;
	}
	nl = (uint16_t)(bp->hdr[1] << 8 | bp->hdr[2]);
	if (nl == 0 || nl > BACKUP_NAME_MAX)
		return BACKUP_ECONTENT;
	bp->need = 3u + nl + 2u + (type == 'F' ? 8u : 0u);
	return bp->hlen >= bp->need;
}

/* Parses the complete entry header in bp->hdr and tells the sink. */
static int
bp_head_done(struct backup_parser *bp)
{
	struct backup_entry e;
	struct rcursor c;
	uint8_t type;
	uint16_t nl, mode;
	uint32_t hi, lo;
	int rc;

	memset(&e, 0, sizeof(e));
	rcursor_init(&c, bp->hdr, bp->hlen);
	if (rcursor_u8(&c, &type) < 0)
		return BACKUP_ECONTENT;
	if (type == 'E') {
		if (rcursor_u32(&c, &lo) < 0 || lo != bp->count)
			return BACKUP_ECONTENT;
		bp->state = BP_DONE;
		return 0;
	}
	if (rcursor_u16(&c, &nl) < 0 || rcursor_bytes(&c, e.name, nl) < 0 ||
	    rcursor_u16(&c, &mode) < 0)
		return BACKUP_ECONTENT;
	e.name[nl] = '\0';
	if (memchr(e.name, '\0', nl) != NULL || !backup_name_valid(e.name))
		return BACKUP_ECONTENT;
	e.mode = mode & 07777u;
	e.type = type == 'F' ? BACKUP_ENTRY_FILE : BACKUP_ENTRY_DIR;
	if (type == 'F') {
		if (rcursor_u32(&c, &hi) < 0 || rcursor_u32(&c, &lo) < 0)
			return BACKUP_ECONTENT;
		e.size = (uint64_t)hi << 32 | lo;
	} else if (strcmp(e.name, "config") == 0) {
		return BACKUP_ECONTENT; /* the config is a file */
	}
	if (bp->count == UINT32_MAX)
		return BACKUP_ECONTENT;
	bp->count++;
	if ((rc = bp->sink.entry(bp->sink.arg, &e)) != 0)
		return rc;
	if (type == 'D') {
		bp->state = BP_TYPE;
		return 0;
	}
	bp->left = e.size;
	bp->state = BP_DATA;
	if (bp->left == 0) {
		bp->state = BP_TYPE;
		return bp->sink.entry_end(bp->sink.arg);
	}
	return 0;
}

static int
bp_step(struct backup_parser *bp, const uint8_t **p, size_t *n)
{
	size_t take;
	int rc;

	switch (bp->state) {
	case BP_TYPE:
		if (**p != 'D' && **p != 'F' && **p != 'E')
			return BACKUP_ECONTENT;
		bp->hdr[0] = **p;
		bp->hlen = 1;
		(*p)++;
		(*n)--;
		bp->state = BP_HEAD;
		rc = bp_head_need(bp);
		return rc < 0 ? rc : 0;
	case BP_HEAD:
		take = bp->need - bp->hlen;
		if (take > *n)
			take = *n;
		memcpy(bp->hdr + bp->hlen, *p, take);
		bp->hlen += take;
		*p += take;
		*n -= take;
		if ((rc = bp_head_need(bp)) <= 0)
			return rc;
		return bp_head_done(bp);
	case BP_DATA:
		take = bp->left < *n ? (size_t)bp->left : *n;
		if ((rc = bp->sink.data(bp->sink.arg, *p, take)) != 0)
			return rc;
		*p += take;
		*n -= take;
		bp->left -= take;
		if (bp->left == 0) {
			bp->state = BP_TYPE;
			return bp->sink.entry_end(bp->sink.arg);
		}
		return 0;
	default:
		return BACKUP_ECONTENT; /* bytes after the end */
	}
}

int
backup_parser_feed(struct backup_parser *bp, const uint8_t *p, size_t n)
{
	int rc;

	if (bp->state == BP_FAILED)
		return BACKUP_ECONTENT;
	while (n > 0) {
		if ((rc = bp_step(bp, &p, &n)) != 0) {
			bp->state = BP_FAILED;
			return rc;
		}
	}
	return 0;
}

int
backup_parser_finish(const struct backup_parser *bp)
{
	return bp->state == BP_DONE ? 0 : BACKUP_ECONTENT;
}

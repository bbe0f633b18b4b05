/*
 * poortctl firmware: the boot stage's slots from the running system, through
 * the same firmware/core code the boot stage runs (fw_linux).
 *
 *	poortctl firmware status
 *	poortctl firmware confirm
 *	poortctl firmware update FILE [--no-reboot]
 *
 * Options: --flash PATH (/dev/mtdN or a file; default the board's MTD
 * partition), --board NAME (default /chosen's poort,board), --chosen DIR
 * (default /proc/device-tree/chosen), --slot A|B (the running slot, when
 * there is no /chosen: host tests), --cut-at N (file-backed flash only:
 * a simulated power cut at the Nth flash operation, for tests).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <poort/fw/err.h>

#include "fw_linux.h"
#include "poortctl.h"

#define SLOT_NAME(s) ((s) == 0 ? "A" : (s) == 1 ? "B" : "-")

struct fwctl {
	struct fwl_opts o;
	struct fwl_running run;
	int have_run; /* the running slot is known (/chosen or --slot) */
	int no_reboot;
};

static void
fwctl_usage(void)
{
	fprintf(
	    stderr,
	    "usage: poortctl firmware [--flash PATH] [--board NAME] [--chosen DIR] [--slot A|B]\n"
	    "                         status | confirm | update FILE [--no-reboot]\n"
	    "\n"
	    "  status     slots, versions, board, trial state, attempts left, rollback floor,\n"
	    "             the running slot (/chosen)\n"
	    "  confirm    confirm the running slot (raises the rollback floor)\n"
	    "  update     write FILE into the slot that is not confirmed, verify it, activate\n"
	    "             it for a trial boot and reboot (unless --no-reboot)\n"
	    "  --flash    /dev/mtdN or a flash file (default: the board's MTD partition)\n"
	    "  --board    board name (default: /chosen/poort,board)\n"
	    "  --chosen   the boot stage's /chosen (default /proc/device-tree/chosen)\n"
	    "  --slot     the running slot, where there is no /chosen\n");
}

static const char *
fwctl_board_name(uint32_t id)
{
	static char buf[16];

	if (id == BOARD_ID_SIM)
		return "sim";
	if (id == BOARD_ID_QEMU_VIRT)
		return "qemu-virt";
	snprintf(buf, sizeof(buf), "0x%08x", id);
	return buf;
}

static int
fwctl_open(struct fwctl *c, struct fwl *f)
{
	char err[512];

	if (fwl_open(f, &c->o, err, sizeof(err)) < 0) {
		fprintf(stderr, "poortctl: firmware: %s\n", err);
		return -1;
	}
	return 0;
}

static void
fwctl_print_slot(struct fwl *f, const struct fw_state *st, const struct fwctl *c, int slot)
{
	struct fwl_slot sc;

	printf("slot=%s", SLOT_NAME(slot));
	if (fwl_slot_check(f, slot, 0, &sc) < 0 || (sc.rc && sc.rc != FW_EROLLBACK)) {
		if (sc.empty)
			printf(" status=empty");
		else
			printf(" status=invalid reason=\"%s\"", fw_strerror(sc.rc));
	} else {
		printf(" version=%u.%u.%u rollback=%u status=%s", sc.hdr.ver[0], sc.hdr.ver[1],
		       sc.hdr.ver[2], sc.hdr.rollback,
		       sc.hdr.rollback < st->min_rollback ? "below-floor" : "valid");
	}
	if (st->primary == slot)
		printf(" confirmed");
	if (st->trial == slot)
		printf(" trial");
	if (c->have_run && c->run.slot == slot)
		printf(" running");
	printf("\n");
}

static int
fwctl_status(struct fwctl *c)
{
	struct fw_state st;
	struct fwl f;
	int rc;

	if (fwctl_open(c, &f) < 0)
		return 1;
	rc = fw_state_load(&f.b, &st);
	if (rc < 0) {
		fprintf(stderr, "poortctl: firmware: state record: %s\n", fw_strerror(rc));
		fwl_close(&f);
		return 1;
	}
	printf("board=%s flash=%s\n", f.bl->name, f.path);
	if (c->have_run)
		printf("running slot=%s version=%s trial=%s\n", SLOT_NAME(c->run.slot),
		       c->run.version[0] ? c->run.version : "-", c->run.trial ? "yes" : "no");
	else
		printf("running slot=- (no poort,slot in /chosen)\n");
	printf("state confirmed=%s trial=%s", SLOT_NAME(st.primary), SLOT_NAME(st.trial));
	if (st.trial != FW_STATE_NO_SLOT)
		printf(" trial_boots=%u attempts_left=%u", st.trial_boots,
		       st.trial_boots < f.b.max_trial_boots ? f.b.max_trial_boots - st.trial_boots
		                                            : 0);
	printf(" rollback_floor=%u boots=%u%s\n", st.min_rollback, st.boots,
	       rc == 1 ? " (no state record yet)" : "");
	fwctl_print_slot(&f, &st, c, 0);
	fwctl_print_slot(&f, &st, c, 1);
	fwl_close(&f);
	return 0;
}

static int
fwctl_confirm(struct fwctl *c)
{
	struct fw_state st;
	struct fwl f;
	int rc, was_trial;

	if (!c->have_run) {
		fprintf(stderr,
		        "poortctl: firmware: which slot runs? no poort,slot in %s (give"
		        " --slot)\n",
		        c->o.chosen != NULL ? c->o.chosen : FWL_CHOSEN_DEFAULT);
		return 1;
	}
	if (fwctl_open(c, &f) < 0)
		return 1;
	rc = fwl_confirm(&f, c->run.slot, &c->run, &was_trial);
	if (rc == FW_ESTATE)
		fprintf(stderr,
		        "poortctl: firmware: slot %s no longer holds the running image"
		        " (an update overwrote it?): nothing to confirm\n",
		        SLOT_NAME(c->run.slot));
	else if (rc)
		fprintf(stderr, "poortctl: firmware: confirm slot %s: %s\n", SLOT_NAME(c->run.slot),
		        fw_strerror(rc));
	else if (fw_state_load(&f.b, &st) >= 0)
		printf("confirm slot=%s %s rollback_floor=%u\n", SLOT_NAME(c->run.slot),
		       was_trial ? "confirmed" : "already-confirmed", st.min_rollback);
	fwl_close(&f);
	return rc ? 1 : 0;
}

/* Reads the whole image file (bounded by the largest image there can be). */
static uint8_t *
fwctl_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (fp == NULL) {
		fprintf(stderr, "poortctl: firmware: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) < 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) < 0) {
		fprintf(stderr, "poortctl: firmware: %s: cannot size it\n", path);
		goto done;
	}
	if ((unsigned long)n > FW_IMAGE_MAX_TOTAL || n < FW_IMAGE_HDR_SIZE) {
		fprintf(stderr, "poortctl: firmware: %s: %ld bytes is not an image\n", path, n);
		goto done;
	}
	buf = malloc((size_t)n);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "poortctl: firmware: %s: read failed\n", path);
		free(buf);
		buf = NULL;
		goto done;
	}
	*len = (size_t)n;
done:
	fclose(fp);
	return buf;
}

/* The refusals an operator will meet, in words; none of them wrote flash. */
static void
fwctl_refused(struct fwl *f, int rc, const uint8_t *img, size_t len)
{
	struct fw_image_hdr h;
	struct fw_state st;

	fw_image_hdr_parse(img, len, &h);
	if (fw_state_load(&f->b, &st) < 0)
		st.min_rollback = 0;
	fprintf(stderr, "poortctl: firmware: image refused, flash unchanged: ");
	switch (rc) {
	case FW_EBOARD:
		fprintf(stderr, "it is for board %s, this box is %s\n",
		        fwctl_board_name(h.board_id), f->bl->name);
		break;
	case FW_EROLLBACK:
		fprintf(stderr,
		        "rollback counter %u is below this box's floor %u (an older image)\n",
		        h.rollback, st.min_rollback);
		break;
	case FW_ESIG:
		fprintf(stderr, "the signature does not verify (not signed with this box's key, or"
		                " altered)\n");
		break;
	case FW_ESIZE:
		fprintf(stderr, "%zu bytes do not fit a slot of %u bytes\n", len,
		        f->b.slot[0].size);
		break;
	default:
		fprintf(stderr, "%s\n", fw_strerror(rc));
	}
}

static int
fwctl_update(struct fwctl *c, const char *file)
{
	struct fw_image_hdr h;
	struct fw_state st;
	struct fwl f;
	uint8_t *img;
	size_t len = 0;
	uint32_t resumed = 0;
	int rc, slot = -1, ret = 1;

	img = fwctl_read_file(file, &len);
	if (img == NULL)
		return 1;
	if (fwctl_open(c, &f) < 0) {
		free(img);
		return 1;
	}
	rc = fw_state_load(&f.b, &st);
	if (rc < 0) {
		fprintf(stderr, "poortctl: firmware: state record: %s\n", fw_strerror(rc));
		goto done;
	}
	/* An update targets the slot that is not confirmed: while the running
	 * image is itself on trial that is the running one. */
	if (c->have_run && st.trial == c->run.slot) {
		fprintf(stderr,
		        "poortctl: firmware: the running image (slot %s) is on trial:"
		        " confirm it first (poortctl firmware confirm), or let it fall"
		        " back; flash unchanged\n",
		        SLOT_NAME(c->run.slot));
		goto done;
	}
	rc = fwl_image_check(&f, img, len, &h);
	if (rc) {
		fwctl_refused(&f, rc, img, len);
		goto done;
	}
	rc = fwl_update(&f, img, len, &slot, &resumed);
	if (rc) {
		fprintf(stderr, "poortctl: firmware: update slot %s failed: %s\n", SLOT_NAME(slot),
		        fw_strerror(rc));
		goto done;
	}
	printf("update slot=%s version=%u.%u.%u rollback=%u bytes=%zu resumed_from=%u:"
	       " written, verified, activated for a trial boot\n",
	       SLOT_NAME(slot), h.ver[0], h.ver[1], h.ver[2], h.rollback, len, resumed);
	ret = 0;
done:
	fwl_close(&f);
	free(img);
	if (ret == 0 && !c->no_reboot) {
		printf("rebooting\n");
		fflush(stdout);
		if (fwl_reboot(FWL_REBOOT_CMD) < 0) {
			fprintf(stderr,
			        "poortctl: firmware: reboot: %s (the new image starts at the"
			        " next boot)\n",
			        strerror(errno));
			ret = 1;
		}
	}
	return ret;
}

int
ctl_firmware(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"flash", required_argument, NULL, 'f'},  {"board", required_argument, NULL, 'b'},
	    {"chosen", required_argument, NULL, 'C'}, {"slot", required_argument, NULL, 's'},
	    {"no-reboot", no_argument, NULL, 'n'},    {"cut-at", required_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	struct fwctl c;
	const char *cmd;
	int opt;

	memset(&c, 0, sizeof(c));
	c.o.cut_at = -1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c.o.flash = optarg;
			break;
		case 'b':
			c.o.board = optarg;
			break;
		case 'C':
			c.o.chosen = optarg;
			break;
		case 's':
			if (strcmp(optarg, "A") != 0 && strcmp(optarg, "B") != 0) {
				fprintf(stderr, "poortctl: firmware: --slot takes A or B\n");
				return 2;
			}
			c.run.slot = optarg[0] == 'B';
			c.have_run = 2;
			break;
		case 'n':
			c.no_reboot = 1;
			break;
		case 'x':
			c.o.cut_at = strtoll(optarg, NULL, 10);
			break;
		case 'h':
			fwctl_usage();
			return 0;
		default:
			fwctl_usage();
			return 2;
		}
	}
	if (c.have_run == 0 && fwl_running_read(c.o.chosen, &c.run) == 0)
		c.have_run = 1;
	if (optind >= argc) {
		fwctl_usage();
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "status") == 0 && optind + 1 == argc)
		return fwctl_status(&c);
	if (strcmp(cmd, "confirm") == 0 && optind + 1 == argc)
		return fwctl_confirm(&c);
	if (strcmp(cmd, "update") == 0 && optind + 2 == argc)
		return fwctl_update(&c, argv[optind + 1]);
	fwctl_usage();
	return 2;
}

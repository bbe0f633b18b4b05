/* Hand-over to Linux per the arm64 boot protocol (the kernel's
 * Documentation/arm64/booting.rst): the device tree patched with libfdt,
 * the loaded ranges cleaned to the point of coherency, then
 * bm_linux_enter (start.S) turns the MMU and caches off and enters the
 * kernel at EL2 when we were given EL2, else at EL1. Shared by every
 * bare-metal board. */
#include <string.h>

#include <libfdt.h>

#include <poort/fw/err.h>

#include "bm.h"

#define LINUX_FDT_MAX (2u << 20) /* booting.rst: the DTB must not exceed 2 MiB */
#define LINUX_FDT_SLACK (16u << 10)

uint32_t bm_boot_el;

void bm_linux_enter(uint64_t entry, uint64_t dtb, uint64_t el);

static void
put_hex32(char *out, uint64_t v)
{
	char buf[17];
	int i = 16;

	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v && i > 0);
	memcpy(out, buf + i, (size_t)(17 - i));
}

static int
setprop_u64(void *fdt, int node, const char *name, uint64_t v)
{
	fdt64_t be = cpu_to_fdt64(v);

	return fdt_setprop(fdt, node, name, &be, sizeof(be));
}

static int
linux_chosen(void *fdt, const struct bm_linux_board *lb, const struct board_boot_info *bi)
{
	const struct fw_image_loaded *ld = bi->img;
	const struct fw_image_part *rd = ld->part[FW_COMP_INITRAMFS].addr
	                                     ? &ld->part[FW_COMP_INITRAMFS]
	                                     : &ld->part[FW_COMP_ROOTFS];
	const struct fw_image_part *cl = &ld->part[FW_COMP_CMDLINE];
	static char args[FW_IMAGE_MAX_CMDLINE + 1];
	char ver[24], *p = ver;
	int node, rc = 0;

	node = fdt_path_offset(fdt, "/chosen");
	if (node < 0)
		node = fdt_add_subnode(fdt, 0, "chosen");
	if (node < 0)
		return node;
	if (cl->addr) {
		memcpy(args, cl->addr, cl->size);
		args[cl->size] = 0;
	} else {
		strncpy(args, lb->bootargs, sizeof(args) - 1);
	}
	rc |= fdt_setprop_string(fdt, node, "bootargs", args);
	fdt_delprop(fdt, node, "linux,initrd-start");
	fdt_delprop(fdt, node, "linux,initrd-end");
	if (rd->addr) {
		rc |= setprop_u64(fdt, node, "linux,initrd-start", (uintptr_t)rd->addr);
		rc |= setprop_u64(fdt, node, "linux,initrd-end", (uintptr_t)rd->addr + rd->size);
	}
	/* What the running system needs to confirm or update itself. */
	rc |= fdt_setprop_string(fdt, node, "poort,slot", bi->slot ? "B" : "A");
	rc |= fdt_setprop_u32(fdt, node, "poort,trial", (uint32_t)bi->trial);
	rc |= fdt_setprop_u32(fdt, node, "poort,rollback", bi->rollback);
	for (int i = 0; i < 3; i++) {
		char d[6];
		int n = 5;
		uint32_t v = bi->ver[i];

		d[n] = 0;
		do {
			d[--n] = (char)('0' + v % 10);
			v /= 10;
		} while (v && n > 0);
		memcpy(p, d + n, (size_t)(5 - n));
		p += 5 - n;
		*p++ = i < 2 ? '.' : 0;
	}
	rc |= fdt_setprop_string(fdt, node, "poort,version", ver);
	rc |= fdt_setprop_string(fdt, node, "poort,board", lb->board_name);
	return rc ? -FDT_ERR_NOSPACE : 0;
}

/* A fixed-partitions node under the boot stage's flash, so Linux MTD
 * shows each area (and the whole of it) as its own device. */
static int
linux_partitions(void *fdt, const struct bm_linux_board *lb)
{
	int flash, parts, rc = 0;

	if (!lb->flash_compat || !lb->nparts)
		return 0;
	flash = fdt_node_offset_by_compatible(fdt, -1, lb->flash_compat);
	if (flash < 0)
		return 0; /* nothing to describe: Linux just has no MTD view */
	parts = fdt_subnode_offset(fdt, flash, "partitions");
	if (parts >= 0)
		fdt_del_node(fdt, parts);
	parts = fdt_add_subnode(fdt, flash, "partitions");
	if (parts < 0)
		return parts;
	rc |= fdt_setprop_string(fdt, parts, "compatible", "fixed-partitions");
	rc |= fdt_setprop_u32(fdt, parts, "#address-cells", 1);
	rc |= fdt_setprop_u32(fdt, parts, "#size-cells", 1);
	/* fdt_add_subnode puts each new node first: add them backwards so
	 * they read in flash order */
	for (unsigned i = lb->nparts; i-- > 0;) {
		const struct bm_linux_part *pt = &lb->parts[i];
		char name[32] = "partition@";
		fdt32_t reg[2];
		int n;

		put_hex32(name + 10, pt->off);
		n = fdt_add_subnode(fdt, parts, name);
		if (n == -FDT_ERR_EXISTS) {
			/* a second partition at the same offset (the whole
			 * area): ofpart takes any child with a reg */
			size_t l = strnlen(pt->label, 20);

			memcpy(name, pt->label, l);
			name[l] = '@';
			put_hex32(name + l + 1, pt->off);
			n = fdt_add_subnode(fdt, parts, name);
		}
		if (n < 0)
			return n;
		reg[0] = cpu_to_fdt32(pt->off);
		reg[1] = cpu_to_fdt32(pt->size);
		rc |= fdt_setprop(fdt, n, "reg", reg, sizeof(reg));
		rc |= fdt_setprop_string(fdt, n, "label", pt->label);
	}
	return rc ? -FDT_ERR_NOSPACE : 0;
}

static void
clean_to_poc(const void *p, uint64_t len)
{
	uint64_t ctr, line, a, end = (uintptr_t)p + len;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = 4u << ((ctr >> 16) & 0xf); /* DminLine, in words */
	for (a = (uintptr_t)p & ~(line - 1); a < end; a += line)
		__asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

int
bm_linux_boot(const struct bm_linux_board *lb, const struct board_boot_info *bi)
{
	const struct fw_image_loaded *ld = bi->img;
	const struct fw_image_part *k = &ld->part[FW_COMP_KERNEL];
	const struct fw_image_part *rd = ld->part[FW_COMP_INITRAMFS].addr
	                                     ? &ld->part[FW_COMP_INITRAMFS]
	                                     : &ld->part[FW_COMP_ROOTFS];
	const void *src = ld->part[FW_COMP_DTB].addr ? ld->part[FW_COMP_DTB].addr : lb->fdt;
	void *fdt = ld->free;
	uint32_t cap = ld->free_size < LINUX_FDT_MAX ? ld->free_size : LINUX_FDT_MAX;
	int rc;

	if (!ld->kernel_arm64) {
		bm_puts("boot: the kernel has no arm64 Image header\r\n");
		return FW_EKERNEL;
	}
	if (!src || fdt_check_header(src) != 0 || fdt_totalsize(src) + LINUX_FDT_SLACK > cap) {
		bm_puts(src ? "boot: device tree malformed or too large\r\n"
		            : "boot: no device tree (none in the image, none from the board)\r\n");
		return FW_EDTB;
	}
	rc = fdt_open_into(src, fdt, cap);
	if (rc == 0)
		rc = linux_chosen(fdt, lb, bi);
	if (rc == 0)
		rc = linux_partitions(fdt, lb);
	if (rc == 0)
		rc = fdt_pack(fdt);
	if (rc) {
		bm_puts("boot: cannot patch the device tree: ");
		bm_puts(fdt_strerror(rc));
		bm_puts("\r\n");
		return FW_EDTB;
	}
	bm_puts("boot: linux kernel=");
	bm_put_hex((uintptr_t)k->addr);
	bm_puts(" initrd=");
	bm_put_hex((uintptr_t)rd->addr);
	bm_puts(" size=");
	bm_put_hex(rd->size);
	bm_puts(" dtb=");
	bm_put_hex((uintptr_t)fdt);
	bm_puts(ld->part[FW_COMP_DTB].addr ? " (image)" : " (board)");
	bm_puts(bm_boot_el == 2 ? " el=2\r\n" : " el=1\r\n");
	lb->console_flush();
	clean_to_poc(k->addr, k->size);
	if (rd->addr)
		clean_to_poc(rd->addr, rd->size);
	clean_to_poc(fdt, fdt_totalsize(fdt));
	bm_linux_enter((uintptr_t)k->addr, (uintptr_t)fdt, bm_boot_el);
	return FW_EKERNEL; /* not reached */
}

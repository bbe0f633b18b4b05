/* Poort image format, version 2: several components under one signature.
 *
 *   [header, 128 bytes][component table, ncomp * 80 bytes]
 *   [component 0 stored bytes][component 1 ...]...[signature, 64 bytes]
 *
 * All integers little-endian. The signature is ECDSA P-256, raw r||s (32
 * bytes each, big-endian), over SHA-256(header || table). The table holds
 * the SHA-256 of each component (stored and decompressed), so one
 * signature covers every byte. Components follow the table back to back,
 * in table order; each is stored raw or as one LZ4 block.
 *
 * Header:
 *   off size field
 *     0  4   magic "POIM" (0x4d494f50)
 *     4  2   format version (2; format 1 was one payload, see below)
 *     6  2   header size (128)
 *     8  4   board id (BOARD_ID_*)
 *    12  6   version major, minor, patch (u16 each)
 *    18  2   flags (0)
 *    20  4   rollback counter
 *    24  1   component count (1..FW_IMAGE_MAX_COMPS)
 *    25  3   reserved (0)
 *    28  4   payload size: table + stored components
 *    32  4   reserved (0)
 *    36 32   table_sha: SHA-256 of the component table
 *    68 60   reserved (0)
 *
 * Component table entry:
 *     0  1   type (FW_COMP_*)
 *     1  1   compression (0 none, 1 lz4 block)
 *     2  2   reserved (0)
 *     4  4   stored size
 *     8  4   size (decompressed)
 *    12  4   reserved (0)
 *    16 32   SHA-256 of the stored bytes
 *    48 32   SHA-256 of the decompressed bytes
 *
 * Every format keeps magic, format and header size at offsets 0, 4 and 6,
 * and every boot stage checks the format field before anything else: a
 * format-1 boot stage refuses a format-2 image with FW_EVERSION, and this
 * one refuses format 1 the same way (a format-1 payload carries no
 * kernel/initramfs split to hand over). The header stays 128 bytes and
 * alone gives the total size, so the serial BEGIN frame is unchanged.
 */
#ifndef POORT_FW_IMAGE_H
#define POORT_FW_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/flash.h>

#define FW_IMAGE_MAGIC 0x4d494f50u
#define FW_IMAGE_FORMAT 2
#define FW_IMAGE_HDR_SIZE 128
#define FW_IMAGE_COMP_ENTRY 80
#define FW_IMAGE_MAX_COMPS 4
#define FW_IMAGE_SIG_SIZE 64
#define FW_IMAGE_COMP_NONE 0
#define FW_IMAGE_COMP_LZ4 1
/* Header, payload and signature of an image must fit in this; keeps every
 * size computation far from 32-bit overflow. */
#define FW_IMAGE_MAX_TOTAL (256u * 1024 * 1024)
/* The command line is text for /chosen/bootargs. */
#define FW_IMAGE_MAX_CMDLINE 2048

/* Component types; at most one of each, exactly one kernel, and an
 * initramfs or a root filesystem, not both. */
enum fw_comp_type {
	FW_COMP_KERNEL = 1,    /* arm64 Linux Image (or a simulator app) */
	FW_COMP_INITRAMFS = 2, /* cpio archive, handed over as the initrd */
	FW_COMP_ROOTFS = 3,    /* filesystem image, handed over as the initrd */
	FW_COMP_DTB = 4,       /* device tree; else the board's own is used */
	FW_COMP_CMDLINE = 5,   /* kernel command line (text, no NUL) */
};
#define FW_COMP_TYPE_MAX 5

struct fw_image_comp {
	uint8_t type;
	uint8_t comp;
	uint32_t stored_size;
	uint32_t size;
	uint32_t offset; /* of the stored bytes from the image start (derived) */
	uint8_t stored_sha[32];
	uint8_t sha[32];
};

struct fw_image_hdr {
	uint32_t board_id;
	uint16_t ver[3];
	uint16_t flags;
	uint32_t rollback;
	uint8_t ncomp;
	uint32_t payload_size;
	uint8_t table_sha[32];
	/* Filled by fw_image_table_parse (and the verifiers), not by
	 * fw_image_hdr_parse. */
	struct fw_image_comp comp[FW_IMAGE_MAX_COMPS];
};

/* An uncompressed SEC1 P-256 public key: 0x04 || X || Y. */
struct fw_pubkey {
	uint8_t q[65];
};

/* The development key the build embedded in this boot stage. */
extern const struct fw_pubkey fw_boot_pubkey;

/* Parses and checks the fixed header. Returns 0, FW_EFORMAT, FW_EVERSION
 * or FW_ETRUNC (len < header size). Does not check board or signature. */
int fw_image_hdr_parse(const uint8_t *buf, size_t len, struct fw_image_hdr *hdr);
/* Parses the component table (len must be ncomp * FW_IMAGE_COMP_ENTRY)
 * into hdr->comp. Does not check table_sha. Returns 0 or FW_EFORMAT. */
int fw_image_table_parse(const uint8_t *buf, size_t len, struct fw_image_hdr *hdr);
/* Writes the header as 128 bytes and the table as ncomp entries (host
 * tools; the core only reads). */
void fw_image_hdr_encode(const struct fw_image_hdr *hdr, uint8_t out[FW_IMAGE_HDR_SIZE]);
void fw_image_table_encode(const struct fw_image_hdr *hdr, uint8_t *out);
/* Bytes of the component table, and of a whole image with this header. */
uint32_t fw_image_table_size(const struct fw_image_hdr *hdr);
uint32_t fw_image_total_size(const struct fw_image_hdr *hdr);
/* The entry of a type, or NULL. */
const struct fw_image_comp *fw_image_comp_find(const struct fw_image_hdr *hdr, int type);
/* "kernel", "initramfs", ... for logs and poort-mkimage --inspect. */
const char *fw_image_comp_name(int type);

/* Streaming verification: feed the image's bytes in order, any split. */
struct fw_image_verify {
	/* opaque: a SHA-256 context, header, table, signature, progress */
	uint64_t opaque[160];
};
void fw_image_verify_init(struct fw_image_verify *v);
/* Returns 0, or FW_EFORMAT/FW_EVERSION once the header is complete and
 * bad; table, truncation and hash errors are reported by _finish. */
int fw_image_verify_update(struct fw_image_verify *v, const uint8_t *data, size_t len);
/* Checks everything: header, board, sizes, table, component hashes,
 * signature with key, rollback >= min_rollback. Returns 0 and fills hdr,
 * or FW_E*. The order is fixed so the error names the first problem:
 * format, board, truncation, table, component hash, signature, rollback. */
int fw_image_verify_finish(struct fw_image_verify *v, const struct fw_pubkey *key,
                           uint32_t board_id, uint32_t min_rollback, struct fw_image_hdr *hdr);
void fw_image_verify_free(struct fw_image_verify *v);

/* Verifies the image stored at area of flash (reads it through the driver
 * in small pieces). Same checks and errors as _finish, plus FW_EFLASH,
 * FW_ESIZE (header claims more than the area holds). */
int fw_image_verify_flash(const struct drv_flash *flash, uint32_t area_off, uint32_t area_size,
                          const struct fw_pubkey *key, uint32_t board_id, uint32_t min_rollback,
                          struct fw_image_hdr *hdr);

/* Where fw_image_load put each component. */
struct fw_image_part {
	uint8_t *addr; /* NULL if the image has no such component */
	uint32_t size;
};
struct fw_image_loaded {
	struct fw_image_hdr hdr;
	struct fw_image_part part[FW_COMP_TYPE_MAX + 1]; /* indexed by FW_COMP_* */
	/* The kernel's footprint from part[FW_COMP_KERNEL].addr: image_size
	 * for an arm64 Image (its bss and early page tables), else its size. */
	uint32_t kernel_span;
	int kernel_arm64; /* 1 if the kernel has an arm64 Image header */
	/* RAM left after the components, for the board's own use (the
	 * patched device tree). */
	uint8_t *free;
	uint32_t free_size;
};

/* Loads and verifies a whole image from flash into RAM in one pass: the
 * header, table and signature are read into RAM and the signature checked
 * there; each component's stored bytes are read into RAM and hashed
 * there, then decompressed and hashed again. Nothing is used before its
 * hash matched and nothing is read from flash after that, so the bytes
 * that run are the bytes that were verified.
 *
 * Placement in [ram, ram + ram_max): the kernel at the first 2 MiB
 * aligned address (plus an arm64 Image's text_offset), then the initramfs
 * or root filesystem, the device tree and the command line, each 64 KiB
 * aligned; compressed bytes are staged at the top of the area.
 *
 * Returns 0, or FW_EFORMAT, FW_EVERSION, FW_EBOARD, FW_ESIZE (image larger
 * than the flash area), FW_EHASH, FW_ESIG,
 * FW_EROLLBACK, FW_ELOAD (the components do not fit in RAM: see
 * fw_image_load_need), FW_EDECOMP, FW_EKERNEL, FW_EFLASH. */
int fw_image_load(const struct drv_flash *flash, uint32_t area_off, uint32_t area_size,
                  const struct fw_pubkey *key, uint32_t board_id, uint32_t min_rollback,
                  uint8_t *ram, uint32_t ram_max, struct fw_image_loaded *out);

/* arm64 Linux Image header (Documentation/arm64/booting.rst). */
#define FW_ARM64_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 56 */
struct fw_arm64_image {
	uint64_t text_offset;
	uint64_t image_size;
	uint64_t flags;
};
/* Parses the 64-byte header at the start of an Image. Returns 0, or
 * FW_EKERNEL (not an arm64 Image, big-endian, or image_size 0 as in
 * kernels before 3.17). */
int fw_arm64_image_parse(const uint8_t *buf, size_t len, struct fw_arm64_image *img);

/* Bytes of the load area at ram that fw_image_load() needs for this image,
 * counted from ram (the alignment of the kernel's address included): the
 * placement above plus the staging of compressed bytes. The one rule for
 * "does it fit the board's load area": boot, the sink (once the upload's
 * table has arrived, and again at verify), the recovery idle check and
 * poort-flash all ask this. hdr must hold the parsed table; kernel is the
 * kernel's arm64 Image header, or NULL when it is not an arm64 Image or
 * not known yet (its footprint is then its size, a lower bound: the load
 * checks again once it has read the header). UINT32_MAX if it does not
 * fit in 32 bits. */
uint32_t fw_image_load_need(const struct fw_image_hdr *hdr, const struct fw_arm64_image *kernel,
                            uintptr_t ram);

#endif

/* Poort image format, version 1.
 *
 *   [header, 128 bytes][payload, payload_size bytes][signature, 64 bytes]
 *
 * All integers little-endian. The signature is ECDSA P-256, raw r||s (32
 * bytes each, big-endian), over SHA-256(header || payload). The payload is
 * stored either raw or as one LZ4 block; image_sha is SHA-256 of the
 * decompressed payload, checked again after decompression at boot.
 *
 *   off size field
 *     0  4   magic "POIM" (0x4d494f50)
 *     4  2   format version (1)
 *     6  2   header size (128)
 *     8  4   board id (BOARD_ID_*)
 *    12  6   version major, minor, patch (u16 each)
 *    18  2   flags (0)
 *    20  4   rollback counter
 *    24  1   compression (0 none, 1 lz4 block)
 *    25  3   reserved (0)
 *    28  4   payload size (stored bytes)
 *    32  4   image size (decompressed bytes)
 *    36 32   payload_sha: SHA-256 of the stored payload
 *    68 32   image_sha: SHA-256 of the decompressed payload
 *   100 28   reserved (0)
 */
#ifndef POORT_FW_IMAGE_H
#define POORT_FW_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/flash.h>

#define FW_IMAGE_MAGIC 0x4d494f50u
#define FW_IMAGE_FORMAT 1
#define FW_IMAGE_HDR_SIZE 128
#define FW_IMAGE_SIG_SIZE 64
#define FW_IMAGE_COMP_NONE 0
#define FW_IMAGE_COMP_LZ4 1
/* Header, payload and signature of an image must fit in this; keeps every
 * size computation far from 32-bit overflow. */
#define FW_IMAGE_MAX_TOTAL (256u * 1024 * 1024)

struct fw_image_hdr {
	uint32_t board_id;
	uint16_t ver[3];
	uint16_t flags;
	uint32_t rollback;
	uint8_t comp;
	uint32_t payload_size;
	uint32_t image_size;
	uint8_t payload_sha[32];
	uint8_t image_sha[32];
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
/* Writes hdr as 128 bytes (host tools; the core only reads). */
void fw_image_hdr_encode(const struct fw_image_hdr *hdr, uint8_t out[FW_IMAGE_HDR_SIZE]);
/* Total bytes of an image with this header. */
uint32_t fw_image_total_size(const struct fw_image_hdr *hdr);

/* Streaming verification: feed the image's bytes in order, any split. */
struct fw_image_verify {
	/* opaque: storage for two SHA-256 contexts and progress */
	uint64_t opaque[96];
};
void fw_image_verify_init(struct fw_image_verify *v);
/* Returns 0, or FW_EFORMAT/FW_EVERSION once the header is complete and
 * bad, FW_ETRUNC-class errors are reported by _finish. */
int fw_image_verify_update(struct fw_image_verify *v, const uint8_t *data, size_t len);
/* Checks everything: header, board, sizes, payload hash, signature with
 * key, rollback >= min_rollback. Returns 0 and fills hdr, or FW_E*.
 * Order of checks is fixed so the error names the first problem. */
int fw_image_verify_finish(struct fw_image_verify *v, const struct fw_pubkey *key,
                           uint32_t board_id, uint32_t min_rollback, struct fw_image_hdr *hdr);
void fw_image_verify_free(struct fw_image_verify *v);

/* Verifies the image stored at area of flash (reads it through the driver
 * in small pieces). Same checks and errors as _finish, plus FW_EFLASH,
 * FW_ESIZE (header claims more than the area holds). */
int fw_image_verify_flash(const struct drv_flash *flash, uint32_t area_off, uint32_t area_size,
                          const struct fw_pubkey *key, uint32_t board_id, uint32_t min_rollback,
                          struct fw_image_hdr *hdr);

/* Bytes of a board's load area that fw_image_load() needs for an image
 * with this header (a compressed payload is staged at the top of the area
 * while it is decoded to the bottom). The one rule for "does it fit":
 * boot, the sink's BEGIN and poort-flash all ask this. */
uint32_t fw_image_load_need(const struct fw_image_hdr *hdr);

/* Decompresses the payload of a verified image at area_off into dst and
 * checks image_sha. Returns 0, FW_ELOAD (dst_max too small), FW_EDECOMP,
 * FW_EHASH, FW_EFLASH. */
int fw_image_load(const struct drv_flash *flash, uint32_t area_off, const struct fw_image_hdr *hdr,
                  uint8_t *dst, uint32_t dst_max);

#endif

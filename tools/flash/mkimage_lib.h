/* Building and signing Poort images on the host (OpenSSL for keys and
 * signatures; liblz4 for compression). Verification is the boot stage's
 * own code (fw_image_verify_*), so the tool and the device agree. */
#ifndef MKIMAGE_LIB_H
#define MKIMAGE_LIB_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <poort/fw/image.h>

#define MK_OK 0
#define MK_EKEY -201  /* cannot read or use the key */
#define MK_ECOMP -202 /* compression failed */
#define MK_ENOMEM -203
#define MK_EINVAL -204

/* One component: type FW_COMP_*, its bytes (borrowed). */
struct mk_comp {
	int type;
	const uint8_t *data;
	size_t len;
};

struct mk_params {
	uint32_t board_id;
	uint16_t ver[3];
	uint32_t rollback;
	int compress; /* 1: LZ4 (HC) per component, kept only where it saves >= 1/32 */
	struct mk_comp comp[FW_IMAGE_MAX_COMPS];
	int ncomp; /* in image order; the kernel first by convention */
};

/* Reads a PEM private key (P-256). Returns NULL on error. */
EVP_PKEY *mk_key_load(const char *path);
/* Generates a new P-256 key and writes it as PEM (mode 0600). */
int mk_key_generate(const char *path);
int mk_key_pub(EVP_PKEY *key, struct fw_pubkey *pub);
/* Reads a public key from PEM (public or private). */
int mk_pub_load(const char *path, struct fw_pubkey *pub);

/* Builds and signs an image; *out is malloc'ed, caller frees. Returns
 * MK_EINVAL for a component set the format does not allow (no kernel, a
 * type twice, initramfs and rootfs, empty or too large). */
int mk_image_build(const struct mk_params *p, EVP_PKEY *key, uint8_t **out, size_t *out_len);

/* Board names for the command line: "sim", "qemu-virt" or a number. */
int mk_board_parse(const char *s, uint32_t *id);
const char *mk_board_name(uint32_t id);

#endif

/* Shared between image.c (format, streaming verify) and load.c (boot
 * load); not part of the core's API. */
#ifndef FW_IMGINT_H
#define FW_IMGINT_H

#include <poort/fw/image.h>

/* Checks the signature over SHA-256(header || table). 0 or FW_ESIG. */
int fw_image_check_signed(const uint8_t *hdr, const uint8_t *table, uint32_t tsize,
                          const uint8_t sig[FW_IMAGE_SIG_SIZE], const struct fw_pubkey *key);
/* A flash read with driver errors mapped: 0, FW_EPOWER or FW_EFLASH. */
int fw_image_flash_read(const struct drv_flash *fl, uint32_t off, void *buf, size_t len);

#endif

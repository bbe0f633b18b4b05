/* Error codes of the boot stage core. Functions return 0 or one of these;
 * the serial protocol carries -code in one byte, so the host can turn it
 * into a message with fw_strerror(). Driver errors (DRV_E*) are mapped to
 * FW_EFLASH before they leave the core. */
#ifndef POORT_FW_ERR_H
#define POORT_FW_ERR_H

#define FW_OK 0
#define FW_EINVAL -1    /* bad argument or command payload */
#define FW_EFORMAT -2   /* not a Poort image / malformed header */
#define FW_EVERSION -3  /* image format version not supported */
#define FW_EBOARD -4    /* image built for another board */
#define FW_ESIG -5      /* signature does not verify (wrong key, tampered) */
#define FW_EHASH -6     /* payload does not match the header's hash */
#define FW_EROLLBACK -7 /* rollback counter below the installed minimum */
#define FW_ESIZE -8     /* image larger than the slot */
#define FW_EFLASH -9    /* flash read/write/erase failed */
#define FW_EDECOMP -10  /* compressed payload is malformed */
#define FW_ETRUNC -11   /* image shorter than its header says */
#define FW_ENOSLOT -12  /* no bootable slot */
#define FW_ESEQ -13     /* chunk out of order (expected offset in reply) */
#define FW_ESTATE -14   /* command not valid now (e.g. verify before upload) */
#define FW_ECRC -15     /* frame CRC mismatch */
#define FW_EFRAME -16   /* frame malformed or too large */
#define FW_ECMD -17     /* unknown command */
#define FW_ETIMEOUT -18 /* waited too long (host side names what for) */
#define FW_EPOWER -19   /* simulator: power was cut */
#define FW_EKERNEL -20  /* kernel is not an arm64 Image, or does not fit */
#define FW_EDTB -21     /* no usable device tree for the kernel */
#define FW_ELOAD -22    /* decompressed image larger than the board's load area */
#define FW_ERESUME -23  /* the slot's partial upload is of another image */
#define FW_ELAST -23

/* A short human message for a code (static string, never NULL). */
const char *fw_strerror(int code);

#endif

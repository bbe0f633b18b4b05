/* The boot stage's flash map on qemu-virt: the 64 MiB second pflash bank,
 * 256 KiB sectors. One home for it: the bare-metal board (board.c), the
 * partitions it hands to Linux, and the Linux-side board description
 * (board/linux) that poortctl and poortd use through MTD all read these. */
#ifndef POORT_BOARD_QEMU_VIRT_LAYOUT_H
#define POORT_BOARD_QEMU_VIRT_LAYOUT_H

#define VIRT_FLASH1_SIZE 0x4000000u /* the whole bank */
#define VIRT_FLASH_ERASE 0x40000u   /* qemu's pflash: 256 KiB sectors */
#define VIRT_STATE_OFF 0x0000000u
#define VIRT_STATE_SIZE 0x0080000u
#define VIRT_JOURNAL_OFF 0x0080000u
#define VIRT_JOURNAL_SIZE 0x0040000u
#define VIRT_CONFIG_OFF 0x0100000u
#define VIRT_CONFIG_SIZE 0x0100000u
#define VIRT_SLOT_A_OFF 0x0200000u
#define VIRT_SLOT_B_OFF 0x1a00000u
#define VIRT_SLOT_SIZE 0x1800000u
#define VIRT_MAX_TRIAL_BOOTS 3u
/* The MTD partition (a fixed-partitions label) that covers the whole bank,
 * so tools use the offsets above unchanged. */
#define VIRT_MTD_WHOLE "poort-boot-flash"

#endif

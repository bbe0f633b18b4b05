/* Errors shared by all drivers: a range of their own, below the core's. */
#ifndef POORT_DRV_ERR_H
#define POORT_DRV_ERR_H

#define DRV_EIO -1001    /* the device reported a failure */
#define DRV_ERANGE -1002 /* offset/length outside the device or misaligned */
#define DRV_EPOWER -1003 /* simulator only: power was cut, nothing works now */
#define DRV_ENODEV -1004 /* no such device / not wired on this board */

#endif

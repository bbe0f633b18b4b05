/* Minimal <errno.h>: error numbers our code and lwIP's errno mapping use.
 * Values follow Linux so that logs read the same on host and target. */
#ifndef POORT_BM_ERRNO_H
#define POORT_BM_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EMSGSIZE 90
#define EPROTO 71
#define EBADMSG 74
#define EOVERFLOW 75
#define ENOTSUP 95
#define EADDRINUSE 98
#define ECONNABORTED 103
#define ECONNRESET 104
#define ETIMEDOUT 110
#define ECANCELED 125

#endif

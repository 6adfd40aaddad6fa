/* fault_inject.c: an LD_PRELOAD library for the reliability tests. It makes write(2),
 * pwrite(2) and fsync(2) on files whose path contains $RELSIM_FAULT_PATH fail with
 * $RELSIM_FAULT_ERRNO (default ENOSPC: a full disk; 5 = EIO) once more than
 * $RELSIM_FAULT_AFTER_BYTES bytes have been written to such files by this process; every
 * later call fails too, as on a full disk. Unset RELSIM_FAULT_PATH: no effect. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static unsigned long long written = 0;
static int failing = 0;

static int matches(int fd) {
    const char* want = getenv("RELSIM_FAULT_PATH");
    if (want == NULL || *want == '\0') return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = '\0';
    return strstr(target, want) != NULL;
}

static int should_fail(int fd, size_t count) {
    if (!matches(fd)) return 0;
    if (failing) return 1;
    const char* after = getenv("RELSIM_FAULT_AFTER_BYTES");
    const unsigned long long limit = after ? strtoull(after, NULL, 10) : 0;
    if (written + count > limit) {
        failing = 1;
        return 1;
    }
    written += count;
    return 0;
}

static int fault_errno(void) {
    const char* e = getenv("RELSIM_FAULT_ERRNO");
    return e ? atoi(e) : ENOSPC;
}

ssize_t write(int fd, const void* buf, size_t count) {
    static ssize_t (*real)(int, const void*, size_t) = NULL;
    if (!real) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
    if (should_fail(fd, count)) {
        errno = fault_errno();
        return -1;
    }
    return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
    if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (should_fail(fd, count)) {
        errno = fault_errno();
        return -1;
    }
    return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
    return pwrite(fd, buf, count, offset);
}

int fsync(int fd) {
    static int (*real)(int) = NULL;
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (matches(fd) && failing) {
        errno = fault_errno();
        return -1;
    }
    return real(fd);
}

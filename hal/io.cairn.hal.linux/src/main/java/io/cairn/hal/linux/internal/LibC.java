package io.cairn.hal.linux.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The few libc calls the JDK does not offer. Loaded lazily: only when a caller needs one. */
interface LibC extends Library {

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int FALLOC_FL_KEEP_SIZE = 0x01;
    int FALLOC_FL_PUNCH_HOLE = 0x02;
    long BLKDISCARD = 0x1277L;

    int open(String path, int flags);

    int close(int fd);

    int fallocate(int fd, int mode, long offset, long length);

    int ioctl(int fd, long request, Pointer arg);

    final class Holder {
        static final LibC INSTANCE = Native.load("c", LibC.class);

        private Holder() {
        }
    }

    static LibC get() {
        return Holder.INSTANCE;
    }

    /** The errno of the last failed call, as "strerror (errno N)". */
    static String lastError() {
        int errno = Native.getLastError();
        return switch (errno) {
            case 1 -> "operation not permitted (EPERM)";
            case 2 -> "no such file (ENOENT)";
            case 5 -> "I/O error (EIO)";
            case 13 -> "permission denied (EACCES)";
            case 22 -> "invalid argument (EINVAL)";
            case 25 -> "not a device that supports this (ENOTTY)";
            case 28 -> "no space left on device (ENOSPC)";
            case 95 -> "operation not supported (EOPNOTSUPP)";
            default -> "errno " + errno;
        };
    }
}

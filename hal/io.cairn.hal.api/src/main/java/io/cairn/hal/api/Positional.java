package io.cairn.hal.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Helpers for providers: positional file-channel I/O that loops until the buffer is done (or, for reads, end of file). */
public final class Positional {

    private Positional() {
    }

    public static int readFully(FileChannel channel, ByteBuffer dst, long offset) throws IOException {
        int n = 0;
        while (dst.hasRemaining()) {
            int r = channel.read(dst, offset + n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    public static int writeFully(FileChannel channel, ByteBuffer src, long offset) throws IOException {
        int n = 0;
        while (src.hasRemaining()) {
            n += channel.write(src, offset + n);
        }
        return n;
    }
}

package io.cairn.hal.api;

import java.nio.ByteBuffer;

/** Direct buffers whose address and size suit O_DIRECT I/O. */
public final class AlignedBuffers {

    private AlignedBuffers() {
    }

    /** A direct buffer of {@code size} bytes starting at an address that is a multiple of {@code alignment}. */
    public static ByteBuffer allocate(int size, int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, not " + alignment);
        }
        ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
        return raw.alignedSlice(alignment).limit(size).slice();
    }

    /** Throws {@link IllegalArgumentException} naming the problem if the request is not block aligned. */
    public static void checkAligned(long offset, ByteBuffer buf, int blockSize, long capacity) {
        if (offset < 0 || offset % blockSize != 0) {
            throw new IllegalArgumentException("offset " + offset + " is not a multiple of the block size " + blockSize);
        }
        if (buf.remaining() % blockSize != 0) {
            throw new IllegalArgumentException("length " + buf.remaining() + " is not a multiple of the block size " + blockSize);
        }
        if (offset + buf.remaining() > capacity) {
            throw new IllegalArgumentException("range " + offset + "+" + buf.remaining() + " ends beyond the device capacity "
                    + capacity);
        }
    }
}

package io.cairn.storage.stargate.internal.estore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Deterministic slice contents and on-disk tampering for the extent-store tests. */
final class TestData {

    static final int SLICE = ExtentStore.SLICE_BYTES;

    private TestData() {
    }

    /** The content of slice {@code slice} of egroup {@code egroupId} in generation {@code generation}: pseudo-random, never all zeros. */
    static byte[] slice(long egroupId, int slice, int generation) {
        byte[] b = new byte[SLICE];
        new Random(egroupId * 1_000_003L + slice * 7919L + generation).nextBytes(b);
        b[0] = 1;
        return b;
    }

    /** The slices {@code [offset / 4096, (offset + length) / 4096)} of {@link #slice} generation {@code generation}, as one buffer. */
    static ByteBuffer data(long egroupId, int offset, int length, int generation) {
        ByteBuffer buf = ByteBuffer.allocate(length);
        for (int s = offset / SLICE; s < (offset + length) / SLICE; s++) {
            buf.put(slice(egroupId, s, generation));
        }
        return buf.flip();
    }

    static byte[] bytes(ByteBuffer buf) {
        byte[] b = new byte[buf.remaining()];
        buf.duplicate().get(b);
        return b;
    }

    /** Inverts the byte at {@code position} of {@code file} in place, as {@code dd conv=notrunc} would. */
    static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, position);
            one.put(0, (byte) ~one.get(0));
            ch.write(one.rewind(), position);
            ch.force(false);
        }
    }

    /** Overwrites {@code file} at {@code position} with {@code data}, bypassing the store (what a crash mid-write leaves). */
    static void overwrite(Path file, long position, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), position);
            ch.force(false);
        }
    }

    /** Where the store keeps {@code egroupId} on the disk rooted at {@code diskRoot}. */
    static Path egroupFile(Path diskRoot, long egroupId) {
        return diskRoot.resolve(ExtentStore.DIRECTORY).resolve(ExtentStore.hex(egroupId) + ExtentStore.FILE_SUFFIX);
    }
}

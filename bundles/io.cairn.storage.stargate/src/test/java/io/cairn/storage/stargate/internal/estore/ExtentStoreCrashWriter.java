package io.cairn.storage.stargate.internal.estore;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The child process of {@link ExtentStoreCrashTest}: opens the metadata store under {@code args[0]}
 * and an extent store on disks {@code args[1]} and {@code args[2]}, then writes until killed (or
 * for at most {@code args[3]} seconds, so it never outlives a failed test). {@value #THREADS}
 * threads each fill egroups {@code 0x100 + 2t} and {@code 0x101 + 2t} alternately with fresh ranges
 * of 1 to 3 slices of {@link TestData#slice} generation 0. After each write returns the thread
 * prints {@code ack <egroup id> <offset> <length>} with a single {@code write(2)}.
 */
public final class ExtentStoreCrashWriter {

    static final int THREADS = 2;
    static final long FIRST_EGROUP = 0x100;

    public static void main(String[] args) throws Exception {
        long stopAt = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);
        try (LocalMetadata metadata = LocalMetadata.open(Path.of(args[0]));
                ExtentStore store = ExtentStore.open(metadata.store(), List.of(DiskSpec.wholeFileSystem("d1", Path.of(args[1])),
                        DiskSpec.wholeFileSystem("d2", Path.of(args[2]))), e -> { })) {
            out.write("open\n".getBytes(StandardCharsets.US_ASCII));
            Thread[] writers = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                long[] egroups = {FIRST_EGROUP + 2L * t, FIRST_EGROUP + 2L * t + 1};
                writers[t] = Thread.ofPlatform().name("crash-writer-" + t).start(() -> {
                    int[] nextSlice = new int[2];
                    for (int n = 0; System.nanoTime() < stopAt; n++) {
                        int which = n % 2;
                        int slices = 1 + n % 3;
                        if (nextSlice[which] + slices > ExtentStore.SLICES_PER_EGROUP) {
                            return; // egroups full: stop, the test then fails for lack of acknowledgements
                        }
                        int offset = nextSlice[which] * TestData.SLICE;
                        int length = slices * TestData.SLICE;
                        store.write(egroups[which], offset, TestData.data(egroups[which], offset, length, 0));
                        nextSlice[which] += slices;
                        print(out, "ack " + egroups[which] + " " + offset + " " + length + "\n");
                    }
                });
            }
            for (Thread writer : writers) {
                writer.join();
            }
        }
    }

    private static void print(FileOutputStream out, String line) {
        synchronized (out) {
            try {
                out.write(line.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

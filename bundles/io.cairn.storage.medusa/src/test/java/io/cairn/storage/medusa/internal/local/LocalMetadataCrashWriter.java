package io.cairn.storage.medusa.internal.local;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import io.cairn.storage.api.local.LocalWrite;

/**
 * The child process of {@link LocalMetadataCrashTest}: opens the store in {@code args[0]} and
 * writes until killed (or for at most {@code args[1]} seconds, so it never outlives a failed test).
 * After each write returns it prints one line, written with a single {@code write(2)}:
 * {@code put k/<n>} for a single put, {@code batch b/<n> 3} for an atomic batch of three keys
 * {@code b/<n>/0..2}. The value of every key is its own name.
 */
public final class LocalMetadataCrashWriter {

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        long stopAt = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);
        LocalMetadataDb store = LocalMetadataDb.open(dir, e -> { });
        out.write("open\n".getBytes(StandardCharsets.US_ASCII));
        for (int n = 0; System.nanoTime() < stopAt; n++) {
            String line;
            if (n % 10 == 9) {
                String base = "b/%08d".formatted(n);
                store.write(List.of(LocalWrite.put(bytes(base + "/0"), bytes(base + "/0")),
                        LocalWrite.put(bytes(base + "/1"), bytes(base + "/1")),
                        LocalWrite.put(bytes(base + "/2"), bytes(base + "/2"))));
                line = "batch " + base + " 3\n";
            } else {
                String key = "k/%08d".formatted(n);
                store.put(bytes(key), bytes(key));
                line = "put " + key + "\n";
            }
            out.write(line.getBytes(StandardCharsets.US_ASCII));
        }
        store.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

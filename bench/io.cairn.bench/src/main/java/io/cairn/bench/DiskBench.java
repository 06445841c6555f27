package io.cairn.bench;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import io.cairn.hal.api.AlignedBuffers;
import io.cairn.hal.api.DiskTier;
import io.cairn.hal.linux.internal.LinuxBlockDevice;

/**
 * Drives {@code hal.linux}'s O_DIRECT {@code BlockDevice} the way fio's psync engine drives a file:
 * {@code qd} threads each keep one request in flight. Prints one line:
 * {@code iops=N bw_bytes=N mean_lat_ns=N}.
 * Usage: DiskBench PATH SIZE_BYTES MODE(randread|randwrite|read|write) BS QD SECONDS
 */
public final class DiskBench {

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: DiskBench PATH SIZE_BYTES randread|randwrite|read|write BS QD SECONDS");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        String mode = args[2];
        int bs = Integer.parseInt(args[3]);
        int qd = Integer.parseInt(args[4]);
        long nanos = Long.parseLong(args[5]) * 1_000_000_000L;
        LinuxBlockDevice dev = LinuxBlockDevice.open("bench", path, DiskTier.SSD, size, 4096, Path.of("/sys"));
        LongAdder ops = new LongAdder();
        LongAdder latency = new LongAdder();
        boolean write = mode.endsWith("write");
        boolean random = mode.startsWith("rand");
        long blocks = size / bs;
        long end = System.nanoTime() + nanos;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < qd; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                ByteBuffer buf = AlignedBuffers.allocate(bs, 4096);
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                // random content, as fio writes: a virtual disk may short-cut all-zero blocks
                byte[] noise = new byte[bs];
                rnd.nextBytes(noise);
                buf.put(noise).clear();
                long seq = (blocks / qd) * id;
                try {
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= end) {
                            break;
                        }
                        long block = random ? rnd.nextLong(blocks) : seq++ % blocks;
                        buf.clear();
                        if (write) {
                            dev.write(block * bs, buf);
                        } else {
                            dev.read(block * bs, buf);
                        }
                        latency.add(System.nanoTime() - now);
                        ops.increment();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        dev.close();
        double secs = nanos / 1e9;
        long n = ops.sum();
        System.out.printf("iops=%.0f bw_bytes=%.0f mean_lat_ns=%.0f%n", n / secs, n * (double) bs / secs,
                n == 0 ? 0 : latency.sum() / (double) n);
    }
}

package io.cairn.system.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code qemu-io} driven one command at a time on its stdin, so every acknowledgement is seen when
 * it happens (QEMU's iSCSI driver is libiscsi: it logs in again by itself when a session drops).
 */
final class QemuIo implements AutoCloseable {
    record Ack(long nanos, long offset, int pattern) {
    }

    final Process process;
    final Writer in;
    final BlockingQueue<String> answers = new ArrayBlockingQueue<>(1024);
    final Thread reader;
    final StringBuilder transcript = new StringBuilder();

    /** {@code qemu-io ARGS} in {@code dir}; ARGS name the image: {@code -f raw URL} or {@code --image-opts OPTIONS}. */
    QemuIo(Path dir, List<String> args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("stdbuf", "-oL", "qemu-io"));
        command.addAll(args);
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    synchronized (transcript) {
                        transcript.append(line).append('\n');
                    }
                    // only the lines that answer a command (libiscsi's reconnection messages are on the same stream)
                    if (line.contains("bytes at offset ") || line.contains("write failed") || line.contains("read failed")
                            || line.contains("Pattern verification failed")) {
                        answers.offer(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            answers.offer("EOF");
        });
    }

    /** Reads back every acknowledged 64 KiB write through a new {@code qemu-io ARGS}; the failures (at most 11), empty when all verify. */
    static List<String> verify(Path dir, List<String> args, List<Ack> acks) throws IOException, InterruptedException {
        List<String> bad = new java.util.ArrayList<>();
        try (QemuIo check = new QemuIo(dir, args)) {
            for (Ack a : acks) {
                String answer = check.command("read -P " + a.pattern() + " " + a.offset() + " 64k", Duration.ofSeconds(60));
                if (!answer.contains("read " + Writer64k.BLOCK + "/" + Writer64k.BLOCK + " bytes at offset " + a.offset())) {
                    bad.add(a.offset() + ": " + answer);
                    if (bad.size() > 10) {
                        break;
                    }
                }
            }
        }
        return bad;
    }

    /** Sends one command and returns the line that answers it (or "EOF", or "TIMEOUT"). */
    String command(String command, Duration timeout) throws IOException, InterruptedException {
        in.write(command + "\n");
        in.flush();
        String answer = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return answer == null ? "TIMEOUT" : answer;
    }

    String transcript() {
        synchronized (transcript) {
            return transcript.length() > 4000 ? transcript.substring(transcript.length() - 4000) : transcript.toString();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes 64 KiB blocks at increasing offsets until stopped; records each acknowledgement's time. */
    static final class Writer64k implements Runnable {
        static final int BLOCK = 64 * 1024;
        final QemuIo qemu;
        final List<QemuIo.Ack> acks = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile boolean stop;
        volatile Throwable crashed;

        Writer64k(QemuIo qemu) {
            this.qemu = qemu;
        }

        @Override
        public void run() {
            try {
                for (long i = 0; !stop; i++) {
                    int pattern = (int) (i % 255) + 1;
                    long offset = i * BLOCK;
                    String answer = qemu.command("write -P " + pattern + " " + offset + " 64k", Duration.ofSeconds(180));
                    if (answer.contains("wrote " + BLOCK + "/" + BLOCK + " bytes at offset " + offset)) {
                        acks.add(new QemuIo.Ack(System.nanoTime(), offset, pattern));
                    } else if (answer.equals("EOF") || answer.equals("TIMEOUT")) {
                        failures.add("write at " + offset + ": " + answer);
                        return;
                    } else {
                        failures.add("write at " + offset + ": " + answer);
                    }
                    Thread.sleep(10); // a steady writer, ~50-100 writes a second
                }
            } catch (Throwable t) {
                crashed = t;
            }
        }

        long acksAfter(long nanos) {
            return acks.stream().filter(a -> a.nanos() > nanos).count();
        }

        /** The largest gap between consecutive acknowledgements in [from, to], in milliseconds. */
        long largestGapMillis(long from, long to) {
            long last = from;
            long gap = 0;
            for (QemuIo.Ack a : acks) {
                if (a.nanos() < from || a.nanos() > to) {
                    continue;
                }
                gap = Math.max(gap, a.nanos() - last);
                last = a.nanos();
            }
            return gap / 1_000_000;
        }
    }
}

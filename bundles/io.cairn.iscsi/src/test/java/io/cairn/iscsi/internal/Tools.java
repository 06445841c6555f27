package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Test-only: runs the real initiator tools (libiscsi-bin, qemu-utils) as processes, with a timeout. */
final class Tools {

    record Result(int exit, String output, boolean timedOut) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }
    }

    private Tools() {
    }

    /** Fails the test when {@code tool} is not installed. */
    static void require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        fail(tool + " is not installed; apt-get install libiscsi-bin qemu-utils");
    }

    static Result run(Duration timeout, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        require(command.get(0));
        Path out = Files.createTempFile("iscsi-tool", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            return new Result(finished ? p.exitValue() : -1, output, !finished);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, Map.of(), List.of(command));
    }
}

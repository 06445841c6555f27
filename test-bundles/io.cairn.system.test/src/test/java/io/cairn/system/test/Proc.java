package io.cairn.system.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command with a deadline and captures its output (stdout and stderr merged). */
record Proc(int exitCode, String output) {

    static final Path ROOT = Path.of(System.getProperty("cairn.root", "../..")).toAbsolutePath().normalize();

    static Proc run(Duration timeout, Path dir, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        return run(timeout, dir, env, command, null);
    }

    /** As {@link #run(Duration, Path, Map, List)}, with {@code stdin} (may be null) as the command's input. */
    static Proc run(Duration timeout, Path dir, Map<String, String> env, List<String> command, Path stdin)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("cairn-proc", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            if (stdin != null) {
                pb.redirectInput(stdin.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout + ": " + command + "\n" + Files.readString(out));
            }
            return new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Proc cairn(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(ROOT.resolve("bin/cairn").toString());
        cmd.addAll(List.of(args));
        return run(timeout, ROOT, Map.of(), cmd);
    }

    static Path builtArchive() {
        return ROOT.resolve("appliance-image/target/cairn-appliance-" + System.getProperty("cairn.version") + ".tar.gz");
    }
}

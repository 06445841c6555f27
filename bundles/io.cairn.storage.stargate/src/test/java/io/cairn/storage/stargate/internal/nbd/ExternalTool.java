package io.cairn.storage.stargate.internal.nbd;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real NBD client (qemu-img, nbdinfo, fio...) with a hard timeout: the process is killed
 * when it overruns, and a missing tool fails the test with a message saying what to install.
 */
final class ExternalTool {

    record Result(List<String> command, int exitCode, String output) {
        /** The output, for assertion messages. */
        String describe() {
            return String.join(" ", command) + " exited " + exitCode + ":\n" + output;
        }
    }

    private ExternalTool() {
    }

    /** Fails the test unless {@code /usr/bin/<tool>} exists and is executable. */
    static void require(String tool, String debianPackage) {
        Path path = Path.of("/usr/bin", tool);
        if (!Files.isExecutable(path)) {
            fail(path + " is missing: this test runs the real NBD client '" + tool + "'; install the Debian package '" + debianPackage + "'");
        }
    }

    /** Runs {@code command}, stdout and stderr merged, killed after {@code timeout}. */
    static Result run(Duration timeout, Path workDir, List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(workDir, "tool-", ".log");
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + timeout + "; killed. Output:\n" + Files.readString(log));
            }
            return new Result(command, process.exitValue(), Files.readString(log));
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}

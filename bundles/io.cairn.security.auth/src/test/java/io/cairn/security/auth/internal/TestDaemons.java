package io.cairn.security.auth.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the tests' real servers ({@link Slapd}, {@link Rsyslogd}) share: a free port, a bounded setup command, a bounded stop. */
final class TestDaemons {

    private TestDaemons() {
    }

    static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        }
    }

    /** Runs a setup command (openssl, slapadd, ...) to its end within 60 s; its output goes to {@code dir/cmd.log}. */
    static void run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path out = dir.resolve("cmd.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command + " failed (" + p.exitValue() + "): " + Files.readString(out));
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}

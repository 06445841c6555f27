package io.cairn.security.auth.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real rsyslogd (Debian packages {@code rsyslog}, {@code rsyslog-gnutls}) for tests, on
 * {@value #HOST}: imudp, imtcp and imtcp over TLS (gtls driver, an {@code openssl} certificate for the
 * address) on free ports, each input writing {@code %msgid% %app-name% %msg%} lines to its own file
 * ({@code udp.log}, {@code tcp.log}, {@code tls.log}). Foreground ({@code -n}), own pid file; stopped
 * by {@link #close} (SIGTERM, then SIGKILL). Shared with io.cairn.system.test through this module's test-jar.
 */
public final class Rsyslogd implements AutoCloseable {

    public static final String HOST = "127.0.1.250";
    static final String RSYSLOGD = "/usr/sbin/rsyslogd";

    public final Path dir;
    public final int udpPort;
    public final int tcpPort;
    public final int tlsPort;
    public final String caPem;
    private Process process;

    public Rsyslogd(Path dir) throws IOException, InterruptedException {
        this(dir, TestDaemons.freePort(HOST), TestDaemons.freePort(HOST), TestDaemons.freePort(HOST));
    }

    Rsyslogd(Path dir, int udpPort, int tcpPort, int tlsPort) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(RSYSLOGD)) || !Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"))
                || !Files.isExecutable(Path.of("/usr/bin/openssl"))) {
            throw new IllegalStateException("rsyslogd with its TLS driver is missing: install the Debian packages with "
                    + "'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rsyslog rsyslog-gnutls openssl' (bin/setup auth)");
        }
        this.dir = dir;
        this.udpPort = udpPort;
        this.tcpPort = tcpPort;
        this.tlsPort = tlsPort;
        Files.createDirectories(dir.resolve("work"));
        if (!Files.exists(dir.resolve("cert.pem"))) {
            TestDaemons.run(dir, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("key.pem").toString(), "-out",
                    dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=" + HOST, "-addext", "subjectAltName=IP:" + HOST));
        }
        caPem = Files.readString(dir.resolve("cert.pem"));
        Files.writeString(dir.resolve("rsyslog.conf"), String.join("\n",
                "global(workDirectory=\"" + dir.resolve("work") + "\"",
                "  defaultNetstreamDriverCAFile=\"" + dir.resolve("cert.pem") + "\"",
                "  defaultNetstreamDriverCertFile=\"" + dir.resolve("cert.pem") + "\"",
                "  defaultNetstreamDriverKeyFile=\"" + dir.resolve("key.pem") + "\")",
                "module(load=\"imudp\")",
                "module(load=\"imtcp\")",
                "template(name=\"line\" type=\"string\" string=\"%msgid% %app-name% %msg%\\n\")",
                "ruleset(name=\"udp\") { action(type=\"omfile\" file=\"" + dir.resolve("udp.log") + "\" template=\"line\") }",
                "ruleset(name=\"tcp\") { action(type=\"omfile\" file=\"" + dir.resolve("tcp.log") + "\" template=\"line\") }",
                "ruleset(name=\"tls\") { action(type=\"omfile\" file=\"" + dir.resolve("tls.log") + "\" template=\"line\") }",
                "input(type=\"imudp\" address=\"" + HOST + "\" port=\"" + udpPort + "\" ruleset=\"udp\")",
                "input(type=\"imtcp\" address=\"" + HOST + "\" port=\"" + tcpPort + "\" ruleset=\"tcp\")",
                "input(type=\"imtcp\" address=\"" + HOST + "\" port=\"" + tlsPort + "\" ruleset=\"tls\" streamDriver.name=\"gtls\" "
                        + "streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")",
                ""));
        start();
    }

    public void start() throws IOException, InterruptedException {
        Files.deleteIfExists(dir.resolve("rsyslogd.pid"));
        process = new ProcessBuilder(RSYSLOGD, "-n", "-f", dir.resolve("rsyslog.conf").toString(), "-i", dir.resolve("rsyslogd.pid")
                .toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(listening(tcpPort) && listening(tlsPort))) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rsyslogd exited (" + process.exitValue() + "): " + Files.readString(dir.resolve("rsyslogd.out")));
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("rsyslogd did not listen within 30 s: " + Files.readString(dir.resolve("rsyslogd.out")));
            }
            Thread.sleep(100);
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The lines received on one input ("udp", "tcp", "tls") so far. */
    public List<String> lines(String input) throws IOException {
        Path f = dir.resolve(input + ".log");
        return Files.exists(f) ? new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8)) : List.of();
    }

    /** Stops rsyslogd (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            TestDaemons.stop(process);
            process = null;
        }
    }
}

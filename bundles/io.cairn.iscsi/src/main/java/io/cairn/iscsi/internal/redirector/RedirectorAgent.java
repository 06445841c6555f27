package io.cairn.iscsi.internal.redirector;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.ThreadClock;
import io.cairn.iscsi.internal.IscsiPortalsImpl;
import io.cairn.storage.api.iscsi.PortalAddresses;

/**
 * The host's iSCSI redirector as its own process (spec 40 §7; ARCHITECTURE §1: the redirector is
 * host side, not part of the controller), so QEMU's sessions are redirected to a remote Stargate
 * while the node's controller is dead. {@code cairn node start} starts it next to the controller
 * from the active slot's jars ({@code java -cp ... io.cairn.iscsi.internal.redirector.RedirectorAgent
 * --home HOME --ip NODE_IP}) and {@code cairn node stop} stops it (SIGTERM); it does not stop when
 * the controller dies.
 *
 * <ul>
 * <li>Listens on {@code iscsi_redirector_listen}: default {@code 127.0.0.1:3261}; on a loopback
 * cluster whose node is {@code 127.0.1.N}, the node's host-side address {@code 127.0.2.N:3261}
 * (spec 40 §0).</li>
 * <li>Local portal: the {@code local} line of {@code <home>/run/stargate-portals}, else
 * {@code <node ip>:3261}; remote portals: that file's {@code remote} lines ({@link PortalListFile}),
 * the last known ones while it cannot be read.</li>
 * <li>Failback after {@code iscsi_redirector_failback_delay_secs} (10) through
 * {@code iscsi.end_sessions} on the remote node ({@link RpcSessionEnder}).</li>
 * <li>{@code Portal <ip>:3261 is up|down} lines go to {@code <home>/logs/iscsi_redirector}.</li>
 * </ul>
 *
 * Settings come from {@code <home>/etc/iscsi_redirector.properties} (the property names above) and
 * are overridden by {@code --listen ADDR} and {@code --failback-delay-secs N}. Exit codes: 0 stopped
 * by a signal, 2 bad arguments or settings, 1 the redirector could not start (e.g. the address is in use).
 */
public final class RedirectorAgent {

    static final String PROPERTIES = "etc/iscsi_redirector.properties";
    static final String LISTEN = "iscsi_redirector_listen";
    static final String FAILBACK_DELAY = "iscsi_redirector_failback_delay_secs";
    static final int STARGATE_PORT = 3261;
    static final String LOG_FILE = "logs/iscsi_redirector";
    private static final Pattern LOOPBACK_NODE = Pattern.compile("127\\.0\\.1\\.(\\d{1,3})");

    /** The agent's settings, resolved. */
    record Options(Path home, String nodeIp, InetSocketAddress listen, Duration failbackDelay) {
        Options {
            Objects.requireNonNull(home, "home");
            Objects.requireNonNull(nodeIp, "nodeIp");
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(failbackDelay, "failbackDelay");
        }
    }

    private RedirectorAgent() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("iscsi_redirector: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger logger = LoggerFactory.getLogger(RedirectorAgent.class);
        ThreadClock clock = new ThreadClock("iscsi-redirector", 1); // the controller's clock service is not available out here
        PortalListFile portals = new PortalListFile(options.home().resolve("run/stargate-portals"));
        RpcSessionEnder ender = new RpcSessionEnder(options.home().resolve("data/pki"), portals, options.nodeIp());
        InetSocketAddress local = localPortal(portals, options.nodeIp());
        Redirector.Settings settings = Redirector.Settings.defaults(options.listen(), local, portals,
                options.home().resolve(LOG_FILE)).withFailbackDelay(options.failbackDelay());
        IscsiPortalsImpl engine = new IscsiPortalsImpl();
        Redirector redirector = new Redirector(engine, clock, ender, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            logger.info("iSCSI redirector stopping");
            redirector.close();
            ender.close();
            clock.close();
            stopped.countDown();
        }, "iscsi-redirector-stop"));
        try {
            redirector.start();
        } catch (IOException | RuntimeException e) {
            System.err.println("iscsi_redirector: cannot listen on " + PortalAddresses.hostPort(options.listen()) + ": " + e
                    + " (is another redirector running for this host? set " + LISTEN + " in " + options.home().resolve(PROPERTIES) + ")");
            System.exit(1);
            return;
        }
        logger.info("iSCSI redirector for node {} listening on {} (failback after {} s; portal list {})", options.nodeIp(),
                PortalAddresses.hostPort(redirector.address()), options.failbackDelay().toSeconds(), portals.file());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The local Stargate portal: the list's {@code local} line if the file is there, else {@code <node ip>:3261}. */
    static InetSocketAddress localPortal(PortalListFile portals, String nodeIp) {
        try {
            return portals.read().local().orElseGet(() -> new InetSocketAddress(nodeIp, STARGATE_PORT));
        } catch (RuntimeException e) {
            return new InetSocketAddress(nodeIp, STARGATE_PORT);
        }
    }

    /** Parses the command line and the properties file. */
    static Options options(String[] args) {
        Path home = null;
        String ip = null;
        String listen = null;
        String delay = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--home" -> home = Path.of(require(args[i], value));
                case "--ip" -> ip = require(args[i], value);
                case "--listen" -> listen = require(args[i], value);
                case "--failback-delay-secs" -> delay = require(args[i], value);
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; usage: RedirectorAgent --home DIR --ip NODE_IP [--listen ADDR] [--failback-delay-secs N]");
            }
            i++;
        }
        if (home == null || ip == null) {
            throw new IllegalArgumentException("--home DIR and --ip NODE_IP are required");
        }
        Properties props = new Properties();
        Path file = home.resolve(PROPERTIES);
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + file + ": " + e);
            }
        }
        if (listen == null) {
            listen = props.getProperty(LISTEN, defaultListen(ip));
        }
        if (delay == null) {
            delay = props.getProperty(FAILBACK_DELAY, Long.toString(Redirector.Settings.FAILBACK_DELAY.toSeconds()));
        }
        long secs;
        try {
            secs = Long.parseLong(delay.trim());
        } catch (NumberFormatException e) {
            secs = -1;
        }
        if (secs < 0) {
            throw new IllegalArgumentException(FAILBACK_DELAY + " must be a whole number of seconds ≥ 0, not '" + delay + "'");
        }
        return new Options(home.toAbsolutePath(), ip, PortalListFile.address(listen.trim(), STARGATE_PORT), Duration.ofSeconds(secs));
    }

    /** Spec 40 §0: node {@code 127.0.1.N}'s host side is {@code 127.0.2.N}; elsewhere the host's loopback. */
    static String defaultListen(String nodeIp) {
        Matcher m = LOOPBACK_NODE.matcher(nodeIp);
        return m.matches() ? "127.0.2." + m.group(1) + ":" + STARGATE_PORT : "127.0.0.1:" + STARGATE_PORT;
    }

    private static String require(String flag, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }
}

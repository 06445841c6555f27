package io.cairn.launcher;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Entry point of a controller JVM: {@code --home DIR --ip ADDRESS [--ready-timeout SECONDS]}.
 * See readme.md for the home layout, exit codes and readiness file.
 */
public final class Launcher {

    static final String READY_FILTER = "(cairn.ready.type=node)";

    private final NodeHome home;
    private final String address;
    private final Duration readyTimeout;
    private volatile Framework framework;
    /** Set when a signal started JVM shutdown: main must then finish its clean-up, not call exit. */
    private static volatile boolean signalled;
    private static volatile Thread mainThread;

    Launcher(NodeHome home, String address, Duration readyTimeout) {
        this.home = home;
        this.address = address;
        this.readyTimeout = readyTimeout;
    }

    public static void main(String[] args) {
        mainThread = Thread.currentThread();
        int code;
        try {
            code = run(args);
        } catch (LaunchException e) {
            log("ERROR " + e.getMessage());
            code = e.exitCode();
        }
        if (!signalled) {
            System.exit(code); // calling exit while shutdown hooks run would block forever
        }
    }

    static int run(String[] args) throws LaunchException {
        Map<String, String> opts = parse(args);
        Path root = Path.of(require(opts, "--home")).toAbsolutePath().normalize();
        String ip = validateAddress(require(opts, "--ip"));
        Duration timeout = Duration.ofSeconds(parseSeconds(opts.getOrDefault("--ready-timeout", "120")));
        NodeHome home = NodeHome.open(root);
        return new Launcher(home, ip, timeout).boot();
    }

    int boot() throws LaunchException {
        try {
            Files.createDirectories(home.run());
            Files.createDirectories(home.logs());
            Files.createDirectories(home.frameworkCache());
        } catch (IOException e) {
            throw new LaunchException(LaunchException.USAGE, "cannot create run/, logs/ or data/ under " + home.root()
                    + ": " + e.getMessage());
        }
        try (FileChannel lockChannel = FileChannel.open(home.run().resolve("node.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(lockChannel)) {
            // from here on this JVM owns the home: only the owner writes or removes run/ files
            try {
                writeAtomically(home.run().resolve("node.pid"), ProcessHandle.current().pid() + "\n");
                Files.deleteIfExists(home.run().resolve("ready"));
                return runFramework();
            } finally {
                try {
                    Files.deleteIfExists(home.run().resolve("ready"));
                    Files.deleteIfExists(home.run().resolve("node.pid"));
                } catch (IOException ignored) {
                    // best effort; the lock, not these files, guards the home
                }
            }
        } catch (IOException e) {
            throw new LaunchException(LaunchException.FAILED, "I/O error in node home " + home.root() + ": " + e.getMessage(), e);
        }
    }

    private FileLock tryLock(FileChannel channel) throws IOException, LaunchException {
        FileLock lock = channel.tryLock();
        if (lock == null) {
            String pid = "unknown";
            try {
                pid = Files.readString(home.run().resolve("node.pid"), StandardCharsets.UTF_8).trim();
            } catch (IOException ignored) {
                // pid file not written yet by the other controller
            }
            throw new LaunchException(LaunchException.IN_USE, "a controller is already running on node home " + home.root()
                    + " (pid " + pid + "); stop it first with: bin/cairn node stop --home " + home.root());
        }
        return lock;
    }

    private int runFramework() throws IOException, LaunchException {
        String version = home.version();
        Map<String, String> props = new HashMap<>();
        home.frameworkProperties().forEach((k, v) -> props.put(k.toString(), v.toString()));
        props.put(Constants.FRAMEWORK_STORAGE, home.frameworkCache().toString());
        props.putIfAbsent(Constants.FRAMEWORK_STORAGE_CLEAN, "none");
        props.put("cairn.home", home.root().toString());
        props.put("cairn.node.ip", address);
        props.put("cairn.slot", home.slot());
        props.put("cairn.version", version);
        // embedded engines log their environment and every connection attempt at INFO: keep warnings only
        for (String chatty : new String[] {"org.apache.zookeeper", "org.apache.curator", "org.apache.ratis"}) {
            if (System.getProperty("org.slf4j.simpleLogger.log." + chatty) == null) {
                System.setProperty("org.slf4j.simpleLogger.log." + chatty, "warn");
            }
        }
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new LaunchException(LaunchException.USAGE, "no OSGi framework on the class path; "
                        + "the image's framework/felix.jar is missing or damaged"));
        Framework fw = factory.newFramework(props);
        framework = fw;
        Thread hook = Thread.ofPlatform().name("cairn-shutdown").unstarted(this::onSignal);
        Runtime.getRuntime().addShutdownHook(hook);
        FoundationHost foundation = null;
        try {
            fw.init();
            BundleContext ctx = fw.getBundleContext();
            CountDownLatch ready = new CountDownLatch(1);
            ServiceListener readyListener = event -> {
                if (event.getType() == ServiceEvent.REGISTERED) {
                    ready.countDown();
                }
            };
            ctx.addServiceListener(readyListener, READY_FILTER);
            List<Path> jars = home.bundles();
            BundleReconciler reconciler = new BundleReconciler(ctx, home.frameworkCache());
            BundleReconciler.Outcome outcome = reconciler.reconcile(jars);
            log("Cairn " + version + " (slot " + home.slot() + ") starting on " + address + ": " + outcome.installed()
                    + " bundles installed, " + outcome.updated() + " updated, " + outcome.uninstalled() + " removed, "
                    + outcome.unchanged() + " unchanged");
            fw.start();
            reconciler.startAll(jars);
            foundation = FoundationHost.start(home, address, props); // spec 10 §5: Foundation in every CVM, port 8000
            if (ctx.getServiceReferences((String) null, READY_FILTER) != null) {
                ready.countDown();
            }
            if (awaitReady(fw, ready)) {
                long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
                long readyMillis = System.currentTimeMillis() - jvmStart;
                writeAtomically(home.run().resolve("ready"), "pid=" + ProcessHandle.current().pid() + "\naddress=" + address
                        + "\nversion=" + version + "\nslot=" + home.slot() + "\nready_millis=" + readyMillis
                        + "\nready_at=" + Instant.now() + "\n");
                log("Node ready on " + address + " in " + readyMillis + " ms from JVM start");
            } else if (running(fw)) {
                log("ERROR node not ready after " + readyTimeout.toSeconds()
                        + " s; the log above names what it waits for (look for 'Node not ready yet')");
            }
            FrameworkEvent stopped = fw.waitForStop(0);
            log("Framework stopped (" + describe(stopped) + ")");
            return stopped.getType() == FrameworkEvent.ERROR ? LaunchException.FAILED : 0;
        } catch (org.osgi.framework.BundleException | org.osgi.framework.InvalidSyntaxException e) {
            shutdown();
            throw new LaunchException(LaunchException.FAILED, "framework failed to start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown();
            return LaunchException.FAILED;
        } finally {
            if (foundation != null) {
                foundation.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already running as a shutdown hook
            }
        }
    }

    /** Waits for the readiness marker until the timeout, or until the framework is being stopped. */
    private boolean awaitReady(Framework fw, CountDownLatch ready) throws InterruptedException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline && running(fw)) {
            if (ready.await(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    private static boolean running(Framework fw) {
        return (fw.getState() & (org.osgi.framework.Bundle.ACTIVE | org.osgi.framework.Bundle.STARTING)) != 0;
    }

    /** SIGTERM/SIGINT: stop the framework, then let the main thread remove run/ready and run/node.pid. */
    private void onSignal() {
        signalled = true;
        shutdown();
        Thread main = mainThread;
        if (main != null && main != Thread.currentThread()) {
            try {
                main.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the framework and waits up to 30 s; safe to call twice (signal and normal exit). */
    private void shutdown() {
        Framework fw = framework;
        if (fw == null || !running(fw)) {
            return;
        }
        try {
            log("Stopping framework");
            fw.stop();
            fw.waitForStop(30_000);
        } catch (Exception e) {
            log("ERROR while stopping the framework: " + e);
        }
    }

    private static String describe(FrameworkEvent e) {
        return switch (e.getType()) {
            case FrameworkEvent.STOPPED -> "stopped";
            case FrameworkEvent.STOPPED_UPDATE -> "stopped for update";
            case FrameworkEvent.ERROR -> "error: " + e.getThrowable();
            case FrameworkEvent.WAIT_TIMEDOUT -> "timed out";
            default -> "event " + e.getType();
        };
    }

    static Map<String, String> parse(String[] args) throws LaunchException {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!List.of("--home", "--ip", "--ready-timeout").contains(a)) {
                throw new LaunchException(LaunchException.USAGE, "unknown argument '" + a + "'; " + usage());
            }
            if (i + 1 >= args.length) {
                throw new LaunchException(LaunchException.USAGE, a + " needs a value; " + usage());
            }
            out.put(a, args[++i]);
        }
        return out;
    }

    private static String require(Map<String, String> opts, String name) throws LaunchException {
        String v = opts.get(name);
        if (v == null || v.isBlank()) {
            throw new LaunchException(LaunchException.USAGE, name + " is required; " + usage());
        }
        return v;
    }

    static String validateAddress(String ip) throws LaunchException {
        try {
            return InetAddress.ofLiteral(ip).getHostAddress();
        } catch (IllegalArgumentException e) {
            throw new LaunchException(LaunchException.USAGE, "--ip '" + ip
                    + "' is not an IP address; use the node's address, e.g. 127.0.1.1 for node 1 on one machine");
        }
    }

    private static long parseSeconds(String s) throws LaunchException {
        try {
            long v = Long.parseLong(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw new LaunchException(LaunchException.USAGE, "--ready-timeout must be a positive number of seconds, not '" + s + "'");
    }

    private static String usage() {
        return "usage: cairn-launcher --home DIR --ip ADDRESS [--ready-timeout SECONDS]";
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void log(String message) {
        System.err.println(Instant.now() + " [launcher] " + message);
    }
}

package io.cairn.hal.sim.internal.bmc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.PowerState;

/**
 * A "BMC" for a simulated server whose power is a process. Two modes:
 * <ul>
 * <li>child: {@code start} is the server itself; on = it runs, off = SIGTERM (then SIGKILL after the
 * grace period);</li>
 * <li>pid file: {@code start} launches a daemon that writes {@code pidFile} (e.g.
 * {@code bin/cairn node start}); on = that pid is alive; off = {@code stop} if given, else SIGTERM
 * to that pid.</li>
 * </ul>
 */
public final class ProcessBmc implements Bmc {

    private final String name;
    private final List<String> start;
    private final List<String> stop;
    private final Optional<Path> pidFile;
    private final Path log;
    private final Duration grace;
    private Process child;

    public ProcessBmc(String name, List<String> start, List<String> stop, Optional<Path> pidFile, Path log, Duration grace) {
        if (start.isEmpty()) {
            throw new IllegalArgumentException("process BMC '" + name + "' needs a start command");
        }
        this.name = name;
        this.start = List.copyOf(start);
        this.stop = List.copyOf(stop);
        this.pidFile = pidFile;
        this.log = log;
        this.grace = grace;
    }

    @Override
    public String address() {
        return "process:" + name;
    }

    @Override
    public synchronized PowerState powerState() {
        return server().isPresent() ? PowerState.ON : PowerState.OFF;
    }

    @Override
    public synchronized void powerOn() throws IOException {
        if (server().isPresent()) {
            return;
        }
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(start).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectInput(ProcessBuilder.Redirect.from(
                        Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (pidFile.isEmpty()) {
            child = p;
            return;
        }
        int rc = waitFor(p, "start command");
        if (rc != 0 || server().isEmpty()) {
            throw new IOException("power on of " + address() + " failed: start command exited " + rc
                    + (server().isEmpty() ? " and no live pid in " + pidFile.get() : "") + "; see " + log);
        }
    }

    @Override
    public synchronized void powerOff() throws IOException {
        Optional<ProcessHandle> server = server();
        if (server.isEmpty()) {
            return;
        }
        if (!stop.isEmpty()) {
            Process p = new ProcessBuilder(stop).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            waitFor(p, "stop command");
        } else {
            server.get().destroy();
        }
        if (!awaitExit(server.get(), grace)) {
            server.get().destroyForcibly();
            if (!awaitExit(server.get(), Duration.ofSeconds(10))) {
                throw new IOException("power off of " + address() + ": pid " + server.get().pid() + " survived SIGKILL");
            }
        }
        child = null;
    }

    @Override
    public void powerCycle() throws IOException {
        powerOff();
        powerOn();
    }

    /** The live server process, if any. */
    Optional<ProcessHandle> server() {
        if (pidFile.isEmpty()) {
            return child != null && child.isAlive() ? Optional.of(child.toHandle()) : Optional.empty();
        }
        try {
            String text = Files.readString(pidFile.get(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(text)).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private int waitFor(Process p, String what) throws IOException {
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " of " + address() + " did not finish within " + grace.toSeconds() + " s");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running the " + what);
        }
    }

    private static boolean awaitExit(ProcessHandle h, Duration d) throws IOException {
        try {
            h.onExit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the server to stop");
        }
    }
}

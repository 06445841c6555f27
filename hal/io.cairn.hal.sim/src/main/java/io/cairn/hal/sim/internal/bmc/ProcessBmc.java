package io.cairn.hal.sim.internal.bmc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.FruInfo;
import io.cairn.hal.api.bmc.PowerState;
import io.cairn.hal.api.bmc.SensorReading;

/**
 * A "BMC" for a simulated server whose power is a process. Two modes:
 * <ul>
 * <li>child: {@code start} is the server itself; on = it runs, off = SIGTERM (then SIGKILL after the
 * grace period);</li>
 * <li>pid file: {@code start} launches a daemon that writes {@code pidFile} (e.g.
 * {@code bin/cairn node start}); on = that pid runs; off = {@code stop} if given, else SIGTERM to that
 * pid, then SIGKILL after the grace period.</li>
 * </ul>
 * Every wait is bounded by the grace period, measured on the {@link Clock}. A zombie (a daemon whose
 * parent never reaps it) counts as off. The boot device is only remembered (a process has no firmware);
 * a one-time choice is forgotten at the next power on, as a BMC clears it after the boot.
 */
public final class ProcessBmc implements Bmc {

    private static final Duration POLL = Duration.ofMillis(20);

    private final String name;
    private final List<String> start;
    private final List<String> stop;
    private final Optional<Path> pidFile;
    private final Path log;
    private final Duration grace;
    private final Clock clock;
    private Process child;
    private BootDevice bootDevice = BootDevice.NONE;
    private boolean bootPersistent;

    public ProcessBmc(String name, List<String> start, List<String> stop, Optional<Path> pidFile, Path log, Duration grace,
            Clock clock) {
        if (start.isEmpty()) {
            throw new IllegalArgumentException("process BMC '" + name + "' needs a start command");
        }
        this.name = name;
        this.start = List.copyOf(start);
        this.stop = List.copyOf(stop);
        this.pidFile = pidFile;
        this.log = log;
        this.grace = grace;
        this.clock = clock;
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
    public synchronized void powerOn() throws BmcException {
        if (server().isPresent()) {
            return;
        }
        if (!bootPersistent) {
            bootDevice = BootDevice.NONE;
        }
        Process p = run(start, "start command");
        if (pidFile.isEmpty()) {
            child = p;
            return;
        }
        if (!await(() -> !p.isAlive(), grace)) {
            p.destroyForcibly();
            throw new BmcException(Reason.TIMEOUT, "power on of " + address() + ": the start command did not finish within "
                    + grace.toSeconds() + " s; see " + log);
        }
        int rc = p.exitValue();
        if (rc != 0 || !await(() -> server().isPresent(), grace)) {
            throw new BmcException(Reason.REFUSED, "power on of " + address() + " failed: start command exited " + rc
                    + (server().isEmpty() ? " and no running pid in " + pidFile.get() : "") + "; see " + log);
        }
    }

    @Override
    public synchronized void powerOff() throws BmcException {
        Optional<ProcessHandle> server = server();
        if (server.isEmpty()) {
            return;
        }
        requestStop(server.get());
        if (!await(() -> !running(server.get()), grace)) {
            server.get().destroyForcibly();
            if (!await(() -> !running(server.get()), Duration.ofSeconds(10))) {
                throw new BmcException(Reason.REFUSED, "power off of " + address() + ": pid " + server.get().pid()
                        + " survived SIGKILL");
            }
        }
        child = null;
    }

    @Override
    public void powerCycle() throws BmcException {
        powerOff();
        powerOn();
    }

    /** A process has no reset line: the server is stopped and started again. */
    @Override
    public void reset() throws BmcException {
        powerCycle();
    }

    /** The stop command, or SIGTERM; returns without waiting for the server to go. */
    @Override
    public synchronized void softOff() throws BmcException {
        Optional<ProcessHandle> server = server();
        if (server.isPresent()) {
            requestStop(server.get());
        }
    }

    private void requestStop(ProcessHandle server) throws BmcException {
        if (stop.isEmpty()) {
            server.destroy();
            return;
        }
        Process p = run(stop, "stop command");
        if (!await(() -> !p.isAlive(), grace)) {
            p.destroyForcibly();
            throw new BmcException(Reason.TIMEOUT, "power off of " + address() + ": the stop command did not finish within "
                    + grace.toSeconds() + " s; see " + log);
        }
    }

    @Override
    public synchronized void setBootDevice(BootDevice device, boolean persistent) {
        this.bootDevice = device;
        this.bootPersistent = persistent;
    }

    @Override
    public synchronized BootDevice bootDevice() {
        return bootDevice;
    }

    /** A process has no sensors. */
    @Override
    public List<SensorReading> sensors() {
        return List.of();
    }

    @Override
    public FruInfo inventory() {
        return new FruInfo("Cairn", "process server", name, "",
                Map.of("product.manufacturer", "Cairn", "product.name", "process server", "product.serialNumber", name));
    }

    /** The running server process, if any. */
    synchronized Optional<ProcessHandle> server() {
        if (pidFile.isEmpty()) {
            return child != null && child.isAlive() ? Optional.of(child.toHandle()) : Optional.empty();
        }
        try {
            String text = Files.readString(pidFile.get(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(text)).filter(ProcessBmc::running);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Alive and not a zombie ({@link ProcessHandle#isAlive()} counts a zombie nobody reaps as alive). */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"), StandardCharsets.US_ASCII);
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return h.isAlive();
        }
    }

    private Process run(List<String> command, String what) throws BmcException {
        try {
            Path parent = log.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        } catch (IOException e) {
            throw new BmcException(Reason.REFUSED, address() + ": cannot run the " + what + " " + command + ": "
                    + e.getMessage(), e);
        }
    }

    /** Polls {@code done} until it holds or {@code limit} passes on the clock. */
    private boolean await(BooleanSupplier done, Duration limit) throws BmcException {
        long deadline = clock.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (clock.nanoTime() - deadline >= 0) {
                return done.getAsBoolean();
            }
            try {
                clock.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BmcException(Reason.TIMEOUT, address() + ": interrupted while waiting for the server");
            }
        }
        return true;
    }

    /** A simulated server's process BMC has no LAN port of its own. */
    @Override
    public java.net.Inet4Address lanAddress() throws BmcException {
        throw noLan();
    }

    @Override
    public void setLanAddress(java.net.Inet4Address address) throws BmcException {
        throw noLan();
    }

    private BmcException noLan() {
        return new BmcException(BmcException.Reason.UNSUPPORTED, address()
                + ": a process BMC has no LAN port to configure (use an IPMI BMC, e.g. foundation bare create --bmc ipmi)");
    }
}

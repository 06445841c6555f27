package io.cairn.hal.qemu.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.cairn.hal.api.hypervisor.Guest;
import io.cairn.hal.api.hypervisor.GuestEvent;

/** A QEMU process and its QMP connection. */
final class QemuGuest implements Guest {

    private final String name;
    private final Process process;
    private final QmpClient qmp;
    private final Path runDir;

    QemuGuest(String name, Process process, QmpClient qmp, Path runDir) {
        this.name = name;
        this.process = process;
        this.qmp = qmp;
        this.runDir = runDir;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public String status() throws IOException {
        return String.valueOf(map(qmp.execute("query-status", Map.of())).get("status"));
    }

    @Override
    public void pause() throws IOException {
        qmp.execute("stop", Map.of());
    }

    @Override
    public void resume() throws IOException {
        qmp.execute("cont", Map.of());
    }

    @Override
    public void powerdown() throws IOException {
        qmp.execute("system_powerdown", Map.of());
    }

    @Override
    public void migrate(String uri) throws IOException {
        qmp.execute("migrate", Map.of("uri", uri));
    }

    @Override
    public String migrationStatus() throws IOException {
        Object status = map(qmp.execute("query-migrate", Map.of())).get("status");
        return status == null ? "none" : status.toString();
    }

    @Override
    public void addDevice(Map<String, Object> arguments) throws IOException {
        qmp.execute("device_add", arguments);
    }

    @Override
    public void removeDevice(String id) throws IOException {
        qmp.execute("device_del", Map.of("id", id));
    }

    @Override
    public void addBlockDevice(Map<String, Object> arguments) throws IOException {
        qmp.execute("blockdev-add", arguments);
    }

    @Override
    public Object execute(String command, Map<String, Object> arguments) throws IOException {
        return qmp.execute(command, arguments);
    }

    @Override
    public void onEvent(Consumer<GuestEvent> listener) {
        qmp.onEvent(listener);
    }

    @Override
    public void stop(Duration deadline) throws IOException {
        try {
            if (process.isAlive()) {
                try {
                    qmp.execute("quit", Map.of());
                } catch (IOException closedWhileQuitting) {
                    // QEMU may close the socket before answering quit
                }
            }
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            qmp.close();
            Files.deleteIfExists(runDir.resolve("qmp.sock"));
        }
    }

    @Override
    public Optional<Integer> awaitExit(Duration deadline) throws InterruptedException {
        return process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}

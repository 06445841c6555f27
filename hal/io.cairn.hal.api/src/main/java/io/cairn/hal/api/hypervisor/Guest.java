package io.cairn.hal.api.hypervisor;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/** A running guest process and its monitor. Every call has a deadline; QEMU errors become IOExceptions naming them. */
@ProviderType
public interface Guest {

    String name();

    long pid();

    /** QMP {@code query-status}: e.g. {@code running}, {@code paused}, {@code shutdown}. */
    String status() throws IOException;

    void pause() throws IOException;

    void resume() throws IOException;

    /** ACPI power button ({@code system_powerdown}); the guest decides whether to power off. */
    void powerdown() throws IOException;

    /** Live-migrates to {@code uri} (e.g. {@code tcp:HOST:PORT}); poll {@link #migrationStatus()}. */
    void migrate(String uri) throws IOException;

    /** QMP {@code query-migrate} {@code status}: {@code none}, {@code active}, {@code completed}, {@code failed}... */
    String migrationStatus() throws IOException;

    void addDevice(Map<String, Object> arguments) throws IOException;

    void removeDevice(String id) throws IOException;

    void addBlockDevice(Map<String, Object> arguments) throws IOException;

    /** Any QMP command; returns its {@code return} value. */
    Object execute(String command, Map<String, Object> arguments) throws IOException;

    void onEvent(Consumer<GuestEvent> listener);

    /** Tears the guest down: QMP {@code quit}, then SIGKILL if it is still there after the deadline. */
    void stop(Duration deadline) throws IOException;

    /** Waits for the process to end; the exit code if it did. */
    Optional<Integer> awaitExit(Duration deadline) throws InterruptedException;
}

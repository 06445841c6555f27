package io.cairn.storage.stargate.internal.disks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.common.clock.ManualClock;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.DiskState;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.SmartResult;
import io.cairn.storage.stargate.internal.estore.DiskException;
import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskHealthTest {

    final ManualClock clock = new ManualClock();
    final List<String> actions = new ArrayList<>();
    final AtomicInteger changes = new AtomicInteger();
    SmartResult smart = SmartResult.PASS;
    boolean readable = true;

    final DiskHealth health = new DiskHealth(new DiskHealthPolicy(clock::now), clock, Duration.ofSeconds(30),
            id -> smart, new DiskHealth.Disks() {
                @Override
                public void takeOffline(String diskId) {
                    actions.add("offline " + diskId);
                }

                @Override
                public boolean bringOnline(String diskId) {
                    actions.add("online " + diskId);
                    return readable;
                }
            });

    {
        health.onChange(changes::incrementAndGet);
    }

    void errors(String diskId, int n) {
        for (int i = 0; i < n; i++) {
            health.diskFailed(new DiskException(Reason.DISK_IO_ERROR, diskId, "boom", null));
            clock.advance(Duration.ofSeconds(1));
        }
    }

    @Test
    void givenTenErrorsInAMinute_whenSmartPassesLater_thenTheDiskGoesOfflineAtOnceAndComesBack() {
        errors("d1", 9);
        assertThat(actions).isEmpty();

        errors("d1", 1);

        assertThat(actions).containsExactly("offline d1");
        assertThat(health.state("d1")).isEqualTo(DiskState.OFFLINE);
        assertThat(changes).hasValue(1);

        clock.advance(Duration.ofSeconds(28));
        assertThat(actions).containsExactly("offline d1");
        clock.advance(Duration.ofSeconds(1));
        assertThat(actions).containsExactly("offline d1", "online d1");
        assertThat(health.state("d1")).isEqualTo(DiskState.ONLINE);
        assertThat(changes).hasValue(2);
    }

    @Test
    void givenSmartFails_whenChecked_thenTheDiskStaysOffline() {
        smart = SmartResult.FAIL;
        errors("d1", 10);

        clock.advance(Duration.ofMinutes(5));

        assertThat(actions).containsExactly("offline d1");
        assertThat(health.state("d1")).isEqualTo(DiskState.OFFLINE);
        assertThat(changes).hasValue(1);
    }

    @Test
    void givenSmartPassesButTheDiskCannotBeRead_whenChecked_thenItStaysOffline() {
        readable = false;
        errors("d1", 10);

        clock.advance(Duration.ofMinutes(1));

        assertThat(actions).containsExactly("offline d1", "online d1");
        assertThat(health.state("d1")).isEqualTo(DiskState.OFFLINE);
    }

    @Test
    void givenThirdOfflineWithinAnHour_whenMarked_thenTheDiskIsRemovedAndNeverChecked() {
        for (int round = 0; round < 2; round++) {
            errors("d1", 10);
            clock.advance(Duration.ofMinutes(1));
        }
        actions.clear();

        errors("d1", 10);
        clock.advance(Duration.ofMinutes(10));

        assertThat(health.state("d1")).isEqualTo(DiskState.REMOVED);
        assertThat(actions).containsExactly("offline d1");
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void givenErrorsOnOneDisk_whenCounted_thenOtherDisksAreUntouched() {
        errors("d1", 10);
        errors("d2", 5);

        assertThat(health.state("d2")).isEqualTo(DiskState.ONLINE);
        assertThat(actions).containsExactly("offline d1");
    }

    @Test
    void givenSimulatedDisk_whenSmartFailFileExists_thenItsCheckFails(@TempDir Path root) throws Exception {
        DiskHealth.SmartCheck check = DiskHealth.simulated(id -> id.equals("d1") ? root : null);
        assertThat(check.check("d1")).isEqualTo(SmartResult.PASS);
        assertThat(check.check("unknown")).isEqualTo(SmartResult.FAIL);

        Files.createFile(root.resolve(DiskHealth.SMART_FAIL_FILE));

        assertThat(check.check("d1")).isEqualTo(SmartResult.FAIL);
    }

    /** A device whose health reports {@code attributes}, or throws when null. */
    static io.cairn.hal.api.BlockDevice deviceReporting(java.util.Map<String, Long> attributes) {
        return new io.cairn.hal.api.BlockDevice() {
            @Override
            public io.cairn.hal.api.DeviceIdentity identity() {
                return new io.cairn.hal.api.DeviceIdentity("dev-1", "S1", "test", "/dev/null");
            }

            @Override
            public io.cairn.hal.api.DeviceGeometry geometry() {
                return new io.cairn.hal.api.DeviceGeometry(io.cairn.hal.api.DiskTier.SSD, 1L << 30, 4096, 4096);
            }

            @Override
            public int read(long offset, java.nio.ByteBuffer dst) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int write(long offset, java.nio.ByteBuffer src) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void flush() {
            }

            @Override
            public void discard(long offset, long length) {
            }

            @Override
            public io.cairn.hal.api.DiskHealth health() {
                if (attributes == null) {
                    throw new IllegalStateException("device gone");
                }
                io.cairn.hal.api.LatencyHistogram none = new io.cairn.hal.api.LatencyHistogram(new long[0]);
                return new io.cairn.hal.api.DiskHealth(0, 0, none, none, attributes);
            }
        };
    }

    @Test
    void givenDeviceBackedDisks_whenSmartChecked_thenSmartPassedAttributeDecides_absentPasses_goneOrFailingHealthFails() {
        java.util.Map<String, io.cairn.hal.api.BlockDevice> devices = new java.util.HashMap<>();
        devices.put("pass", deviceReporting(java.util.Map.of(DiskHealth.SMART_PASSED, 1L, "temperature_celsius", 40L)));
        devices.put("fail", deviceReporting(java.util.Map.of(DiskHealth.SMART_PASSED, 0L)));
        devices.put("no-smart", deviceReporting(java.util.Map.of("injected_faults", 0L)));
        devices.put("broken", deviceReporting(null));
        DiskHealth.SmartCheck check = DiskHealth.hal(devices::get);

        assertThat(check.check("pass")).isEqualTo(SmartResult.PASS);
        assertThat(check.check("fail")).isEqualTo(SmartResult.FAIL);
        assertThat(check.check("no-smart")).isEqualTo(SmartResult.PASS);
        assertThat(check.check("broken")).isEqualTo(SmartResult.FAIL);
        assertThat(check.check("gone")).isEqualTo(SmartResult.FAIL);
    }
}

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
}

package io.cairn.storage.stargate.internal.disks;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.BlockDevice;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.DiskState;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.SmartResult;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.Transition;
import io.cairn.storage.stargate.internal.estore.DiskException;
import io.cairn.storage.stargate.internal.estore.DiskFailureListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on this node's disk health (spec 20 §11; the Hades role): every I/O error the extent store
 * reports goes into a {@link DiskHealthPolicy}; when a disk goes OFFLINE it is
 * {@linkplain Disks#takeOffline taken out of service} at once and a SMART check runs
 * {@code smartDelay} later on the clock: PASS brings it {@linkplain Disks#bringOnline back} (if its
 * directory reads again; otherwise it counts as a FAIL), FAIL keeps it offline. A REMOVED disk stays
 * offline for good. Every change of service is reported to {@code onChange} (to publish it at once).
 * The SMART check is {@link #simulated} for directory disks and {@link #hal} for disks on HAL block devices.
 * A FAIL is not retried: the disk stays offline until the node restarts.
 */
public final class DiskHealth implements DiskFailureListener {

    /** The file whose presence in a simulated disk's root makes its SMART check fail. */
    public static final String SMART_FAIL_FILE = "smart-fail";
    /** The default delay from going offline to the SMART check. */
    public static final Duration DEFAULT_SMART_DELAY = Duration.ofSeconds(30);

    /** Runs a disk's SMART check. */
    @FunctionalInterface
    public interface SmartCheck {
        SmartResult check(String diskId);
    }

    /** What disk health acts on: the extent store's disks. */
    public interface Disks {
        void takeOffline(String diskId);

        /** @return whether the disk is online now */
        boolean bringOnline(String diskId);
    }

    /**
     * The SMART check of simulated disks (directories): PASS unless a file named
     * {@value #SMART_FAIL_FILE} exists in the disk's root directory.
     *
     * @param roots each disk's root directory, by disk id (null: unknown disk, which fails)
     */
    public static SmartCheck simulated(Function<String, Path> roots) {
        return diskId -> {
            Path root = roots.apply(diskId);
            return root != null && !Files.exists(root.resolve(SMART_FAIL_FILE)) ? SmartResult.PASS : SmartResult.FAIL;
        };
    }

    /** The HAL device attribute of the SMART overall self-assessment: 1 PASSED, 0 FAILED. */
    public static final String SMART_PASSED = "smart_passed";

    /**
     * The SMART check of disks on HAL block devices: the device's
     * {@link BlockDevice#health() health} attribute {@value #SMART_PASSED}: 0 is FAIL, anything else
     * PASS, and PASS when the device does not report it (no SMART, e.g. a simulated disk); FAIL when
     * the device is gone ({@code devices} returns null) or {@code health()} throws.
     *
     * @param devices each disk's block device now, by disk id (null: absent)
     */
    public static SmartCheck hal(Function<String, BlockDevice> devices) {
        return diskId -> {
            BlockDevice device = devices.apply(diskId);
            if (device == null) {
                return SmartResult.FAIL;
            }
            Long passed;
            try {
                passed = device.health().attributes().get(SMART_PASSED);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(DiskHealth.class).info("SMART check of data disk {}: device {} cannot report its health: {}",
                        diskId, device.id(), e.toString());
                return SmartResult.FAIL;
            }
            return passed == null || passed != 0 ? SmartResult.PASS : SmartResult.FAIL;
        };
    }

    private final Logger logger = LoggerFactory.getLogger(DiskHealth.class);
    private final DiskHealthPolicy policy;
    private final Clock clock;
    private volatile Duration smartDelay;
    private final SmartCheck smart;
    private final Disks disks;
    private volatile Runnable onChange = () -> { };

    /**
     * @param policy the state machine (its clock should be {@code clock})
     * @param clock runs the delayed SMART checks
     * @param smartDelay from going offline to the SMART check
     * @param smart the SMART check
     * @param disks what is taken offline and brought back
     */
    public DiskHealth(DiskHealthPolicy policy, Clock clock, Duration smartDelay, SmartCheck smart, Disks disks) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.smartDelay = Objects.requireNonNull(smartDelay, "smartDelay");
        this.smart = Objects.requireNonNull(smart, "smart");
        this.disks = Objects.requireNonNull(disks, "disks");
    }

    /** The delay from going offline to the SMART check. */
    public Duration smartDelay() {
        return smartDelay;
    }

    /** Sets the delay from going offline to the SMART check (for disks that go offline from now on). */
    public void smartDelay(Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            throw new IllegalArgumentException("the SMART delay must be positive, not " + delay);
        }
        this.smartDelay = delay;
    }

    /** Sets what is told of every change of a disk's service (called on the changing thread). */
    public void onChange(Runnable listener) {
        this.onChange = Objects.requireNonNull(listener, "listener");
    }

    /** @return the policy's state of a disk */
    public DiskState state(String diskId) {
        return policy.state(diskId);
    }

    @Override
    public void diskFailed(DiskException failure) {
        String diskId = failure.diskId();
        if (diskId == null) {
            return;
        }
        List<Transition> transitions = policy.recordError(diskId);
        for (Transition t : transitions) {
            logger.warn("data disk {}: {} -> {} ({})", t.diskId(), t.from(), t.to(), t.reason());
        }
        if (transitions.isEmpty()) {
            return;
        }
        Transition last = transitions.get(transitions.size() - 1);
        try {
            disks.takeOffline(diskId);
        } finally {
            changed();
        }
        if (last.to() == DiskState.OFFLINE) {
            clock.schedule(smartDelay, () -> smartCheck(diskId));
        } else {
            logger.warn("data disk {} is removed for good: replace it", diskId);
        }
    }

    /** Runs the SMART check of an offline disk and acts on it. */
    void smartCheck(String diskId) {
        if (policy.state(diskId) != DiskState.OFFLINE) {
            return;
        }
        SmartResult result;
        try {
            result = smart.check(diskId);
        } catch (RuntimeException e) {
            logger.warn("SMART check of data disk {} failed to run; it stays offline", diskId, e);
            result = SmartResult.FAIL;
        }
        if (result == SmartResult.PASS && !disks.bringOnline(diskId)) {
            logger.warn("data disk {} passed its SMART check but cannot be read; it stays offline", diskId);
            result = SmartResult.FAIL;
        }
        if (result == SmartResult.FAIL) {
            logger.warn("data disk {} failed its SMART check; it stays offline until replaced", diskId);
            return;
        }
        policy.recordSmartResult(diskId, result).ifPresent(t ->
                logger.info("data disk {}: {} -> {} ({})", t.diskId(), t.from(), t.to(), t.reason()));
        changed();
    }

    private void changed() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            logger.info("disk state listener failed: {}", e.toString());
        }
    }
}

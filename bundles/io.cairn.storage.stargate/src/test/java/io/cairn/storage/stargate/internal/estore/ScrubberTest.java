package io.cairn.storage.stargate.internal.estore;

import static io.cairn.storage.stargate.internal.estore.TestData.SLICE;
import static io.cairn.storage.stargate.internal.estore.TestData.data;
import static io.cairn.storage.stargate.internal.estore.TestData.egroupFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;

/** The background scrubber: pace, pause while the disk is busy, order, fresh groups, findings; on a fake store and on the real one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScrubberTest {

    static final int MIB = 1 << 20;
    static final Duration STEP = Duration.ofMillis(200);

    final ManualClock clock = new ManualClock();
    final FakeStore store = new FakeStore();

    /** An extent store in memory: groups on disks, when each was written, which fail, and each disk's busy time. */
    final class FakeStore implements Scrubber.Store {
        record Group(String disk, int writtenSlices, Instant written) {
        }

        final Map<Long, Group> groups = new TreeMap<>(Long::compareUnsigned);
        final Map<String, Boolean> online = new TreeMap<>();
        final Map<String, Long> busy = new HashMap<>();
        final Set<Long> rotten = new HashSet<>();
        final List<Long> verified = new ArrayList<>();

        void add(long eg, String disk, int slices, Instant written) {
            online.putIfAbsent(disk, true);
            groups.put(eg, new Group(disk, slices, written));
        }

        long verifiedBytes() {
            return verified.stream().mapToLong(eg -> (long) groups.get(eg).writtenSlices() * SLICE).sum();
        }

        @Override
        public List<DiskUsage> usage() {
            List<DiskUsage> out = new ArrayList<>();
            online.forEach((disk, up) -> out.add(new DiskUsage(disk, Path.of(disk), up, groups.values().stream()
                    .filter(g -> g.disk().equals(disk)).mapToLong(g -> (long) g.writtenSlices() * SLICE).sum(), 1L << 40,
                    groups.values().stream().filter(g -> g.disk().equals(disk)).count())));
            return out;
        }

        @Override
        public List<Long> listOnDisk(String diskId) {
            return groups.entrySet().stream().filter(e -> e.getValue().disk().equals(diskId)).map(Map.Entry::getKey).toList();
        }

        @Override
        public Optional<EgroupLocation> location(long eg) {
            return Optional.ofNullable(groups.get(eg)).map(g -> new EgroupLocation(eg, g.disk(), online.get(g.disk()), g.writtenSlices()));
        }

        @Override
        public Optional<Instant> lastWritten(long eg) {
            return Optional.ofNullable(groups.get(eg)).map(Group::written);
        }

        @Override
        public List<Integer> verify(long eg) {
            if (!groups.containsKey(eg)) {
                throw new ExtentStoreException(ExtentStoreException.Reason.NOT_FOUND, "no " + eg);
            }
            verified.add(eg);
            return rotten.contains(eg) ? List.of(0) : List.of();
        }

        @Override
        public long busyNanos(String diskId) {
            return busy.getOrDefault(diskId, 0L);
        }
    }

    Instant longAgo() {
        return clock.now().minus(Duration.ofDays(1));
    }

    /** Steps every 200 ms for {@code d} of the clock, with {@code busyShare} of each step's time spent on user I/O of disk d0. */
    void run(Scrubber s, Duration d, double busyShare) {
        for (long t = 0; t < d.toMillis(); t += STEP.toMillis()) {
            clock.advance(STEP);
            store.busy.merge("d0", (long) (busyShare * STEP.toNanos()), Long::sum);
            s.step();
        }
    }

    @Test
    void givenADiskWithUsedBytes_whenScrubbed_thenThePaceIsUsedBytesOverThePassTimeAndAPassEndsWithinIt() {
        for (long eg = 1; eg <= 10; eg++) {
            store.add(eg, "d0", 256, longAgo()); // 1 MiB each: 10 MiB used
        }
        Scrubber s = new Scrubber(store, clock, new Scrubber.Settings(100, 30, 0));
        long rate = 10L * MIB / 100;
        s.step();
        for (int second = 1; second <= 90; second++) {
            run(s, Duration.ofSeconds(1), 0);
            long bytes = store.verifiedBytes();
            assertThat(bytes).as("after %d s", second).isLessThanOrEqualTo(rate * second + MIB).isGreaterThanOrEqualTo(rate * second - MIB);
        }
        run(s, Duration.ofSeconds(1), 0);
        assertThat(store.verified).as("one pass, least recently verified first").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(s.stats().passes()).isZero();
        run(s, Duration.ofSeconds(10), 0);
        assertThat(s.stats().passes()).as("the pass over 10 MiB at 100 s per pass ended within 101 s").isEqualTo(1);
        assertThat(store.verified).hasSize(11).endsWith(1L);
        Scrubber.Stats st = s.stats();
        assertThat(st.egroupsVerified()).isEqualTo(11);
        assertThat(st.scrubBytes()).isEqualTo(11L * MIB);
        assertThat(st.disks()).singleElement().satisfies(d -> {
            assertThat(d.bytesPerSec()).isEqualTo(rate);
            assertThat(d.passes()).isEqualTo(1);
        });
    }

    @Test
    void givenANearlyEmptyDisk_whenScrubbed_thenTheFloorRateApplies() {
        store.add(1, "d0", 1, longAgo());
        store.add(2, "d0", 1024, longAgo()); // 4 MiB: at the floor of 64 KiB/s it takes 64 s
        Scrubber s = new Scrubber(store, clock, Scrubber.Settings.DEFAULTS);
        s.step();
        run(s, Duration.ofSeconds(63), 0);
        assertThat(store.verified).as("the 4 MiB group is paid off at 64 KiB/s before anything else").containsExactly(1L, 2L);
        run(s, Duration.ofSeconds(3), 0);
        assertThat(store.verified).containsExactly(1L, 2L, 1L, 2L);
    }

    @Test
    void givenABusyDisk_whenScrubbing_thenItPausesUntilTheDiskIsLightlyUsed() {
        for (long eg = 1; eg <= 50; eg++) {
            store.add(eg, "d0", 1, longAgo());
            store.add(100 + eg, "d1", 1, longAgo());
        }
        Scrubber s = new Scrubber(store, clock, new Scrubber.Settings(10, 30, 0));
        s.step();
        run(s, Duration.ofSeconds(1), 0.5); // the first second's measure: d0 busy half the time
        int before = count("d0");
        run(s, Duration.ofSeconds(20), 0.5);
        assertThat(count("d0")).as("nothing verified on d0 while it is 50% busy").isEqualTo(before);
        assertThat(count("d1")).as("d1 is idle and scrubbed meanwhile").isGreaterThan(40);
        assertThat(s.stats().disks()).filteredOn(d -> d.diskId().equals("d0")).singleElement().satisfies(d -> {
            assertThat(d.state()).isEqualTo("paused");
            assertThat(d.busyPct()).isEqualTo(50);
        });

        run(s, Duration.ofSeconds(20), 0.2); // below 30%: scrubbing resumes
        assertThat(count("d0")).isGreaterThan(before + 10);
        assertThat(s.stats().disks()).filteredOn(d -> d.diskId().equals("d0")).singleElement()
                .satisfies(d -> assertThat(d.busyPct()).isEqualTo(20));
    }

    int count(String disk) {
        return (int) store.verified.stream().filter(eg -> store.groups.get(eg).disk().equals(disk)).count();
    }

    @Test
    void givenAFreshlyWrittenGroup_whenScrubbing_thenItWaitsUntilItIsColdAndThenComesFirst() {
        store.add(1, "d0", 1, longAgo());
        store.add(2, "d0", 1, clock.now()); // written just now
        store.add(3, "d0", 1, longAgo());
        Scrubber s = new Scrubber(store, clock, new Scrubber.Settings(1, 30, 60));
        s.step();
        run(s, Duration.ofSeconds(30), 0);
        assertThat(store.verified).as("group 2 was written less than 60 s ago").doesNotContain(2L).contains(1L, 3L);
        int n = store.verified.size();
        run(s, Duration.ofSeconds(31), 0);
        assertThat(store.verified).contains(2L);
        assertThat(store.verified.get(store.verified.indexOf(2L) - 1)).as("before it: the end of a pass").isEqualTo(3L);
        assertThat(store.verified.indexOf(2L)).as("first of the pass that starts after it turned cold").isGreaterThanOrEqualTo(n);
        assertThat(store.verified.subList(store.verified.indexOf(2L), store.verified.indexOf(2L) + 3))
                .as("then the others, least recently verified first").containsExactly(2L, 1L, 3L);
    }

    @Test
    void givenGroupsVerifiedAtDifferentTimes_whenANewPassStarts_thenTheLeastRecentlyVerifiedComeFirst() throws Exception {
        for (long eg = 1; eg <= 4; eg++) {
            store.add(eg, "d0", 1, longAgo());
        }
        Scrubber s = new Scrubber(store, clock, new Scrubber.Settings(1, 30, 0));
        s.step();
        run(s, Duration.ofSeconds(1), 0);
        assertThat(store.verified).startsWith(1L, 2L, 3L, 4L);
        // group 3 fails, is repaired (verified again now), a new group 9 and group 0 appear
        store.rotten.add(3L);
        s.scrubAll(Duration.ZERO);
        store.rotten.clear();
        clock.advance(Duration.ofSeconds(1));
        s.repaired(3);
        store.add(9, "d0", 1, longAgo());
        store.add(0, "d0", 1, longAgo());
        store.verified.clear();
        run(s, Duration.ofSeconds(1), 0);
        assertThat(store.verified).as("never verified first (by id), then by the time of the last verification")
                .startsWith(0L, 9L, 1L, 2L, 4L, 3L);
    }

    @Test
    void givenAnOfflineDisk_whenScrubbing_thenItIsSkippedAndItsPassStartsOverWhenItReturns() {
        for (long eg = 1; eg <= 3; eg++) {
            store.add(eg, "d0", 1, longAgo());
        }
        store.online.put("d0", false);
        Scrubber s = new Scrubber(store, clock, new Scrubber.Settings(1, 30, 0));
        run(s, Duration.ofSeconds(5), 0);
        assertThat(store.verified).isEmpty();
        assertThat(s.stats().disks()).singleElement().satisfies(d -> assertThat(d.state()).isEqualTo("offline"));
        store.online.put("d0", true);
        run(s, Duration.ofSeconds(1), 0);
        assertThat(store.verified).startsWith(1L, 2L, 3L);
    }

    @Test
    void givenARottenGroup_whenFound_thenItIsASuspectCountedAndReportedUntilItVerifiesAgain() {
        store.add(1, "d0", 1, longAgo());
        store.add(2, "d0", 1, longAgo());
        store.rotten.add(2L);
        Scrubber s = new Scrubber(store, clock, new Scrubber.Settings(1, 30, 0));
        AtomicInteger changes = new AtomicInteger();
        s.onChange(changes::incrementAndGet);
        s.step();
        run(s, Duration.ofMillis(400), 0);
        assertThat(s.suspect(2)).isTrue();
        assertThat(s.suspect(1)).isFalse();
        assertThat(s.suspects()).containsExactly(2L);
        assertThat(s.found()).isEqualTo(1);
        assertThat(changes).hasValue(1);
        assertThat(s.stats().suspects()).isEqualTo(1);

        s.repaired(2); // still rotten: stays a suspect, counted again
        assertThat(s.suspect(2)).isTrue();
        assertThat(s.found()).isEqualTo(2);
        store.rotten.clear();
        s.repaired(2);
        assertThat(s.suspect(2)).isFalse();
        assertThat(changes).hasValue(3);

        store.add(3, "d0", 1, longAgo());
        store.rotten.add(3L);
        run(s, Duration.ofSeconds(2), 0);
        assertThat(s.suspects()).containsExactly(3L);
        store.groups.remove(3L); // deleted (e.g. a surplus replica): no longer a suspect of this node
        run(s, Duration.ofMillis(200), 0);
        assertThat(s.suspects()).isEmpty();
    }

    @Test
    void givenInvalidSettings_whenMade_thenRefusedNamingTheProperty() {
        assertThatThrownBy(() -> new Scrubber.Settings(0, 30, 60)).hasMessageContaining("scrub_pass_secs");
        assertThatThrownBy(() -> new Scrubber.Settings(1, 0, 60)).hasMessageContaining("scrub_max_disk_busy_pct");
        assertThatThrownBy(() -> new Scrubber.Settings(1, 101, 60)).hasMessageContaining("scrub_max_disk_busy_pct");
        assertThatThrownBy(() -> new Scrubber.Settings(1, 30, -1)).hasMessageContaining("scrub_cold_secs");
    }

    // ---------------------------------------------------------------- on the real extent store

    @TempDir
    Path dir;

    @Test
    void givenAFlippedByteInAColdGroup_whenTheScrubberPasses_thenTheGroupIsASuspectUntilRepaired() throws Exception {
        try (LocalMetadata metadata = LocalMetadata.open(dir.resolve("home"))) {
            ExtentStore estore = ExtentStore.open(metadata.store(), List.of(new DiskSpec("d0", dir.resolve("d0"), 64L * MIB)),
                    e -> { }, clock::nanoTime);
            try {
                for (long eg = 1; eg <= 3; eg++) {
                    estore.write(eg, 0, data(eg, 0, MIB, 0));
                }
                TestData.flipByte(egroupFile(dir.resolve("d0"), 2), 5 * SLICE + 17);
                Scrubber s = new Scrubber(estore, clock, new Scrubber.Settings(20, 30, 0));
                List<String> events = new ArrayList<>();
                s.onChange(() -> events.add("changed " + s.suspects()));
                s.step();
                run(s, Duration.ofSeconds(21), 0); // one pass of 3 MiB within 20 s

                assertThat(s.stats().passes()).isGreaterThanOrEqualTo(1);
                assertThat(s.suspects()).containsExactly(2L);
                assertThat(events).containsExactly("changed [2]");
                assertThat(estore.counters().checksumErrors()).as("checksum_errors").isEqualTo(1);
                assertThat(s.stats().scrubBytes()).as("scrub_bytes: each 1 MiB group at least once").isGreaterThanOrEqualTo(3L * MIB);
                assertThat(s.scrubAll(Duration.ZERO)).isEqualTo(new Scrubber.Sweep(3, List.of(2L)));

                estore.repair(2, 0, data(2, 0, MIB, 0)); // another replica's good data
                s.repaired(2);
                assertThat(s.suspects()).isEmpty();
                assertThat(events).last().isEqualTo("changed []");
            } finally {
                estore.close();
            }
        }
    }

    @Test
    void givenReadsWritesAndVerifies_whenBusyTimeIsRead_thenOnlyTheUsersIoCounts() throws Exception {
        AtomicLong nanos = new AtomicLong();
        try (LocalMetadata metadata = LocalMetadata.open(dir.resolve("home"))) {
            // every reading of the clock advances it by 1 ms: each timed I/O takes 1 ms
            ExtentStore estore = ExtentStore.open(metadata.store(), List.of(new DiskSpec("d0", dir.resolve("d0"), 64L * MIB)),
                    e -> { }, () -> nanos.addAndGet(1_000_000));
            try {
                estore.write(1, 0, data(1, 0, SLICE, 0));
                assertThat(estore.busyNanos("d0")).isEqualTo(1_000_000);
                estore.read(1, 0, SLICE);
                assertThat(estore.busyNanos("d0")).isEqualTo(2_000_000);
                estore.verify(1);
                assertThat(estore.busyNanos("d0")).as("the scrubber's own reads do not make the disk look busy").isEqualTo(2_000_000);
                assertThat(estore.busyNanos("nope")).isZero();
            } finally {
                estore.close();
            }
        }
    }
}

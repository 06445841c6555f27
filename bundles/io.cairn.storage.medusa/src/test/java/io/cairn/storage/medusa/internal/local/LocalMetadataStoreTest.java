package io.cairn.storage.medusa.internal.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.error.ErrorCode;
import io.cairn.storage.api.local.LocalEntry;
import io.cairn.storage.api.local.LocalMetadataException;
import io.cairn.storage.api.local.LocalMetadataException.Reason;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.api.local.LocalWrite;

/** The store's contract on a real RocksDB in a temporary directory, without OSGi. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalMetadataStoreTest {

    @TempDir
    Path dir;
    LocalMetadataDb store;

    @BeforeEach
    void open() {
        store = LocalMetadataDb.open(dir.resolve("local-metadata"), e -> { });
    }

    @AfterEach
    void close() {
        store.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static List<String> keys(List<LocalEntry> entries) {
        return entries.stream().map(e -> s(e.key())).toList();
    }

    // ---- put, get, delete ----

    @Test
    void givenEmptyStore_whenPutGetDelete_thenValuesRoundTrip() {
        assertThat(store.created()).isTrue();
        assertThat(store.get(b("egroup/0000000000000001"))).isEmpty();

        store.put(b("egroup/0000000000000001"), b("disk-1"));
        assertThat(store.get(b("egroup/0000000000000001"))).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("disk-1")));

        store.put(b("egroup/0000000000000001"), b("disk-2"));
        assertThat(store.get(b("egroup/0000000000000001"))).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("disk-2")));

        store.delete(b("egroup/0000000000000001"));
        assertThat(store.get(b("egroup/0000000000000001"))).isEmpty();
    }

    @Test
    void givenAbsentKey_whenDeleted_thenNoError() {
        assertThatCode(() -> store.delete(b("never-written"))).doesNotThrowAnyException();
        assertThat(store.get(b("never-written"))).isEmpty();
    }

    @Test
    void givenEmptyValue_whenPut_thenKeyExistsWithEmptyValue() {
        store.put(b("disk/d1/egroup/0000000000000001"), new byte[0]);
        assertThat(store.get(b("disk/d1/egroup/0000000000000001"))).hasValueSatisfying(v -> assertThat(v).isEmpty());
    }

    @Test
    void givenValueArray_whenCallerChangesItAfterPut_thenStoreKeepsWhatWasWritten() {
        byte[] value = b("disk-1");
        store.put(b("k"), value);
        value[0] = 'X';
        byte[] read = store.get(b("k")).orElseThrow();
        assertThat(read).isEqualTo(b("disk-1"));
        read[0] = 'Y';
        assertThat(store.get(b("k")).orElseThrow()).isEqualTo(b("disk-1"));
    }

    @Test
    void givenBinaryKeysAndValues_whenPut_thenExactBytesComeBack() {
        byte[] key = hex("00ff7f80");
        byte[] value = new byte[4096];
        new Random(7).nextBytes(value);
        store.put(key, value);
        assertThat(store.get(key).orElseThrow()).isEqualTo(value);
    }

    @Test
    void givenLimits_whenKeyAndValueAreExactlyAtThem_thenAccepted() {
        byte[] key = new byte[LocalMetadataStore.MAX_KEY_BYTES];
        Arrays.fill(key, (byte) 'k');
        byte[] value = new byte[LocalMetadataStore.MAX_VALUE_BYTES];
        store.put(key, value);
        assertThat(store.get(key).orElseThrow()).hasSize(LocalMetadataStore.MAX_VALUE_BYTES);
    }

    @Test
    void givenSyncWrites_whenPutting_thenEveryWriteFsyncsTheWal() {
        long before = store.walSyncs();
        for (int i = 0; i < 20; i++) {
            store.put(b("k" + i), b("v"));
        }
        store.write(List.of(LocalWrite.put(b("a"), b("1")), LocalWrite.delete(b("k0"))));
        store.delete(b("k1"));
        assertThat(store.walSyncs() - before).isGreaterThanOrEqualTo(22);
    }

    // ---- atomic batches ----

    @Test
    void givenBatch_whenWritten_thenAllWritesApplyInOrder() {
        store.put(b("egroup/0000000000000002"), b("old"));
        store.write(List.of(
                LocalWrite.put(b("egroup/0000000000000001"), b("disk-1|crc...")),
                LocalWrite.put(b("egroup/0000000000000001/extent/7"), b("slices 0-255")),
                LocalWrite.put(b("disk/d1/egroup/0000000000000001"), new byte[0]),
                LocalWrite.delete(b("egroup/0000000000000002")),
                LocalWrite.put(b("x"), b("first")),
                LocalWrite.put(b("x"), b("second")),
                LocalWrite.put(b("y"), b("gone")),
                LocalWrite.delete(b("y"))));

        assertThat(keys(store.scan(new byte[0], null, 100))).containsExactly(
                "disk/d1/egroup/0000000000000001", "egroup/0000000000000001", "egroup/0000000000000001/extent/7", "x");
        assertThat(store.get(b("x")).orElseThrow()).isEqualTo(b("second"));
    }

    @Test
    void givenBatchWithOneInvalidWrite_whenWritten_thenNothingIsApplied() {
        byte[] tooLong = new byte[LocalMetadataStore.MAX_KEY_BYTES + 1];
        assertThatThrownBy(() -> store.write(List.of(LocalWrite.put(b("a"), b("1")), LocalWrite.put(tooLong, b("2")))))
                .isInstanceOfSatisfying(LocalMetadataException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.KEY_TOO_LARGE);
                    assertThat(e.getMessage()).contains("write 1", "1025 bytes", "at most 1024");
                });
        assertThat(store.get(b("a"))).isEmpty();
    }

    @Test
    void givenEmptyBatch_whenWritten_thenNothingHappens() {
        store.write(List.of());
        assertThat(store.scan(new byte[0], null, 10)).isEmpty();
    }

    @Test
    void givenOversizedBatches_whenWritten_thenRejectedWithTheLimit() {
        List<LocalWrite> many = new ArrayList<>();
        for (int i = 0; i <= LocalMetadataStore.MAX_BATCH_WRITES; i++) {
            many.add(LocalWrite.delete(b("k" + i)));
        }
        assertThatThrownBy(() -> store.write(many)).isInstanceOfSatisfying(LocalMetadataException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
            assertThat(e.getMessage()).contains("10001 writes", "at most 10000", "split it");
        });

        List<LocalWrite> big = new ArrayList<>();
        byte[] mib = new byte[LocalMetadataStore.MAX_VALUE_BYTES];
        for (int i = 0; i < 33; i++) {
            big.add(LocalWrite.put(b("big" + i), mib));
        }
        assertThatThrownBy(() -> store.write(big)).isInstanceOfSatisfying(LocalMetadataException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
            assertThat(e.getMessage()).contains("bytes is too large", "split it");
        });
        assertThat(store.get(b("big0"))).isEmpty();
    }

    // ---- scan ----

    @Test
    void givenNeighbouringKeys_whenScanningAPrefix_thenOnlyKeysWithThePrefixInKeyOrder() {
        for (String k : List.of("egroup/0000000000000002", "egroup/0000000000000001", "egroup/0000000000000001/extent/3",
                "egroup", "egroup0", "egroup.", "egrouq", "disk/d1/egroup/0000000000000001", "z")) {
            store.put(b(k), b("v:" + k));
        }
        List<LocalEntry> got = store.scan(b("egroup/"), null, 100);
        assertThat(keys(got)).containsExactly("egroup/0000000000000001", "egroup/0000000000000001/extent/3",
                "egroup/0000000000000002");
        assertThat(got.get(0)).isEqualTo(new LocalEntry(b("egroup/0000000000000001"), b("v:egroup/0000000000000001")));

        // one egroup's record and then its extents
        assertThat(keys(store.scan(b("egroup/0000000000000001"), null, 100)))
                .containsExactly("egroup/0000000000000001", "egroup/0000000000000001/extent/3");
        assertThat(store.scan(b("nothing/"), null, 100)).isEmpty();
    }

    @Test
    void givenManyKeys_whenPaging_thenEveryKeyOnceInOrderAndTheLastPageIsShort() {
        List<String> all = new ArrayList<>();
        List<LocalWrite> batch = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            String k = "egroup/%016x".formatted(i * 7919L);
            all.add(k);
            batch.add(LocalWrite.put(b(k), b(Integer.toString(i))));
        }
        store.write(batch);
        store.put(b("egroup0-after"), b("outside"));
        store.put(b("dis-before"), b("outside"));
        all.sort(null);

        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        byte[] after = null;
        while (true) {
            List<LocalEntry> page = store.scan(b("egroup/"), after, 1000);
            sizes.add(page.size());
            seen.addAll(keys(page));
            if (page.size() < 1000) {
                break;
            }
            after = page.getLast().key();
        }
        assertThat(sizes).containsExactly(1000, 1000, 500);
        assertThat(seen).isEqualTo(all);
    }

    @Test
    void givenStartAfter_whenOutsideOrBetweenKeys_thenScanStartsAtTheRightPlace() {
        for (String k : List.of("p/a", "p/c", "p/e", "q/a")) {
            store.put(b(k), b("v"));
        }
        assertThat(keys(store.scan(b("p/"), b("p/c"), 10))).containsExactly("p/e");
        assertThat(keys(store.scan(b("p/"), b("p/b"), 10))).containsExactly("p/c", "p/e");
        assertThat(keys(store.scan(b("p/"), b("a"), 10))).containsExactly("p/a", "p/c", "p/e"); // before the prefix
        assertThat(keys(store.scan(b("p/"), b("p/e"), 10))).isEmpty();
        assertThat(keys(store.scan(b("p/"), b("q"), 10))).isEmpty(); // past the prefix
        assertThat(keys(store.scan(b("p/"), new byte[0], 10))).containsExactly("p/a", "p/c", "p/e");
        assertThat(keys(store.scan(b("p/"), null, 2))).containsExactly("p/a", "p/c");
    }

    @Test
    void givenKeysOfHighBytes_whenScanningAnAllFfPrefix_thenNoUpperBoundIsNeeded() {
        store.put(hex("fe"), b("1"));
        store.put(hex("ff"), b("2"));
        store.put(hex("ff00"), b("3"));
        store.put(hex("ffff"), b("4"));
        store.put(hex("ffff01"), b("5"));
        assertThat(store.scan(hex("ff"), null, 10)).extracting(e -> HexFormat.of().formatHex(e.key()))
                .containsExactly("ff", "ff00", "ffff", "ffff01");
        assertThat(store.scan(hex("ffff"), null, 10)).extracting(e -> HexFormat.of().formatHex(e.key()))
                .containsExactly("ffff", "ffff01");
        assertThat(store.scan(hex("fe"), null, 10)).hasSize(1);
    }

    @Test
    void givenUpperBound_thenItIsTheSmallestKeyAfterThePrefixRange() {
        assertThat(LocalMetadataDb.upperBound(b("egroup/"))).isEqualTo(b("egroup0"));
        assertThat(LocalMetadataDb.upperBound(hex("01ff"))).isEqualTo(hex("02"));
        assertThat(LocalMetadataDb.upperBound(hex("7f"))).isEqualTo(hex("80"));
        assertThat(LocalMetadataDb.upperBound(hex("ffff"))).isNull();
        assertThat(LocalMetadataDb.upperBound(new byte[0])).isNull();
    }

    // ---- key order ----

    @Test
    void givenKeysAcrossTheSignBit_whenScanning_thenOrderIsUnsignedLexicographic() {
        List<String> inserted = List.of("80", "00", "ff", "7f", "0001", "00", "01", "ff00", "fe", "81", "7fff", "0100");
        for (String k : inserted) {
            store.put(hex(k), hex(k));
        }
        assertThat(store.scan(new byte[0], null, 100)).extracting(e -> HexFormat.of().formatHex(e.key()))
                .containsExactly("00", "0001", "01", "0100", "7f", "7fff", "80", "81", "fe", "ff", "ff00");
    }

    @Test
    void givenRandomKeys_whenScanningEverything_thenOrderMatchesArraysCompareUnsigned() {
        Random random = new Random(42);
        TreeMap<byte[], byte[]> expected = new TreeMap<>(Arrays::compareUnsigned);
        List<LocalWrite> batch = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            byte[] k = new byte[1 + random.nextInt(12)];
            random.nextBytes(k);
            byte[] v = new byte[random.nextInt(40)];
            random.nextBytes(v);
            expected.put(k, v);
            batch.add(LocalWrite.put(k, v));
        }
        store.write(batch);
        List<LocalEntry> expectedEntries = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : expected.entrySet()) {
            expectedEntries.add(new LocalEntry(e.getKey(), e.getValue()));
        }
        assertThat(store.scan(new byte[0], null, LocalMetadataStore.MAX_SCAN_LIMIT)).isEqualTo(expectedEntries);
    }

    // ---- invalid input ----

    @Test
    void givenInvalidKeys_whenUsed_thenTypedErrorsSayTheLimits() {
        assertInvalid(() -> store.get(null), Reason.INVALID_REQUEST, "key is null", "1 to 1024 bytes");
        assertInvalid(() -> store.put(new byte[0], b("v")), Reason.INVALID_REQUEST, "key is empty", "1 to 1024 bytes");
        assertInvalid(() -> store.delete(new byte[0]), Reason.INVALID_REQUEST, "key is empty");
        byte[] tooLong = new byte[LocalMetadataStore.MAX_KEY_BYTES + 1];
        Arrays.fill(tooLong, (byte) 'e');
        assertInvalid(() -> store.put(tooLong, b("v")), Reason.KEY_TOO_LARGE, "'eeee", "1025 bytes", "at most 1024");
        assertInvalid(() -> store.get(tooLong), Reason.KEY_TOO_LARGE, "1025 bytes");
    }

    @Test
    void givenInvalidValues_whenPut_thenTypedErrorsSayTheLimits() {
        assertInvalid(() -> store.put(b("k"), null), Reason.INVALID_REQUEST, "value for key 'k' is null", "delete the key");
        byte[] big = new byte[LocalMetadataStore.MAX_VALUE_BYTES + 1];
        assertInvalid(() -> store.put(hex("00ff"), big), Reason.VALUE_TOO_LARGE, "0x00ff", "1048577 bytes", "at most 1048576");
        assertThat(store.get(hex("00ff"))).isEmpty();
    }

    @Test
    void givenInvalidScansAndBatches_whenCalled_thenInvalidRequest() {
        assertInvalid(() -> store.scan(null, null, 10), Reason.INVALID_REQUEST, "prefix is null", "empty prefix");
        assertInvalid(() -> store.scan(b("p"), null, 0), Reason.INVALID_REQUEST, "limit 0", "1..10000");
        assertInvalid(() -> store.scan(b("p"), null, 10_001), Reason.INVALID_REQUEST, "limit 10001");
        assertInvalid(() -> store.scan(new byte[1025], null, 1), Reason.INVALID_REQUEST, "prefix is 1025 bytes");
        assertInvalid(() -> store.write(null), Reason.INVALID_REQUEST, "list of writes is null");
        List<LocalWrite> withNull = new ArrayList<>();
        withNull.add(LocalWrite.put(b("a"), b("1")));
        withNull.add(null);
        assertInvalid(() -> store.write(withNull), Reason.INVALID_REQUEST, "write 1 of the batch is null");
        assertInvalid(() -> store.write(List.of(LocalWrite.delete(new byte[0]))), Reason.INVALID_REQUEST,
                "the key of write 0 is empty");
        assertThat(store.get(b("a"))).isEmpty();
    }

    static void assertInvalid(Runnable call, Reason reason, String... message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(LocalMetadataException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(message);
        });
    }

    // ---- close and reopen ----

    @Test
    void givenClosedStore_whenUsed_thenClosedErrorAndCloseIsIdempotent() {
        store.put(b("k"), b("v"));
        store.close();
        store.close();
        assertThat(store.isClosed()).isTrue();
        assertThatThrownBy(() -> store.get(b("k"))).isInstanceOfSatisfying(LocalMetadataException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.CLOSED);
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("is closed", "nothing was applied", dir.toString());
        });
        assertThatThrownBy(() -> store.put(b("k"), b("v"))).hasMessageContaining("is closed");
        assertThatThrownBy(() -> store.scan(new byte[0], null, 1)).hasMessageContaining("is closed");
        assertThatThrownBy(() -> store.sync()).hasMessageContaining("is closed");
        assertThat(store.keysEstimate()).isNaN();
        assertThat(store.walSyncs()).isEqualTo(-1);
    }

    @Test
    void givenWritesWithAndWithoutSync_whenReopened_thenEverythingIsThere() {
        store.put(b("a"), b("1"));
        store.write(List.of(LocalWrite.put(b("b"), b("2")), LocalWrite.put(b("c"), b("3"))));
        store.sync();
        store.put(b("d"), b("4")); // only in the WAL
        store.delete(b("a"));
        store.close();

        store = LocalMetadataDb.open(dir.resolve("local-metadata"), e -> { });
        assertThat(store.created()).isFalse();
        assertThat(store.scan(new byte[0], null, 10)).containsExactly(
                new LocalEntry(b("b"), b("2")), new LocalEntry(b("c"), b("3")), new LocalEntry(b("d"), b("4")));

        for (int i = 0; i < 500; i++) {
            store.put(b("n/%04d".formatted(i)), new byte[1000]);
        }
        store.close();
        store = LocalMetadataDb.open(dir.resolve("local-metadata"), e -> { });
        assertThat(store.scan(b("n/"), null, 1000)).hasSize(500);
        assertThat(store.get(b("d")).orElseThrow()).isEqualTo(b("4"));
    }

    @Test
    void givenOpenStore_whenTheSameDirectoryIsOpenedAgain_thenInUseSaysWhatToDo() {
        List<LocalMetadataException> seen = new ArrayList<>();
        assertThatThrownBy(() -> LocalMetadataDb.open(dir.resolve("local-metadata"), seen::add))
                .isInstanceOfSatisfying(LocalMetadataException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.IN_USE);
                    assertThat(e.getMessage()).contains("already open", "LOCK");
                });
        assertThat(seen).hasSize(1);
        store.put(b("still"), b("works"));
        assertThat(store.get(b("still"))).isPresent();
    }

    @Test
    void givenWritersRunning_whenClosed_thenEachCallEitherSucceedsOrSaysClosed() throws Exception {
        List<Thread> writers = new ArrayList<>();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 4; t++) {
            int id = t;
            writers.add(Thread.ofPlatform().name("writer-" + t).start(() -> {
                for (int i = 0; i < 100_000; i++) {
                    try {
                        store.put(b("w" + id + "/" + i), b("v"));
                        store.scan(b("w" + id + "/"), null, 5);
                        done.incrementAndGet();
                    } catch (LocalMetadataException e) {
                        if (e.reason() != Reason.CLOSED) {
                            unexpected.add(e);
                        }
                        return;
                    } catch (Throwable e) {
                        unexpected.add(e);
                        return;
                    }
                }
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (done.get() < 50 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        store.close();
        for (Thread w : writers) {
            w.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(w.isAlive()).as("writer stopped").isFalse();
        }
        assertThat(unexpected).isEmpty();
        assertThat(done.get()).isGreaterThanOrEqualTo(50);
    }
}

package io.cairn.storage.stargate.internal.oplog;

import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.WAIT;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.internal.SystemClock;

/**
 * TRIM records (UNMAP): read as zeros at once, ordered with writes by (epoch, sequence) like any
 * write, kept across a reopen, and handed to the drain as {@link DrainExtent#trimmed} runs only where
 * nothing but trims is newest.
 */
@Timeout(60)
class OpLogTrimTest {

    private static final long VDISK = 7;
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private SystemClock clock;
    private OpLogStore store;

    @BeforeEach
    void start() throws Exception {
        clock = SystemClock.withDefaults();
        store = OpLogStore.open(new OpLogConfig(dir, 64L << 20, 16L << 20, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES), clock);
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
        clock.close();
    }

    private void append(OpLogRecord r) throws Exception {
        store.append(r, WAIT).get();
    }

    private byte[] read(long offset, int length) throws Exception {
        return store.read(VDISK, offset, length).data();
    }

    @Test
    void givenWholeVBlockWrittenThenTrimmed_thenReadsZeros_andTheDrainSeesOneTrimmedRun() throws Exception {
        append(OpLogRecord.data(VDISK, 1, 1, 0, pattern(VDISK, 1, MIB)));
        append(OpLogRecord.trim(VDISK, 1, 2, 0, MIB));

        assertThat(read(0, MIB)).isEqualTo(new byte[MIB]);
        DrainBatch batch = store.drainable(VDISK, 16L << 20);
        assertThat(batch.extents()).hasSize(1);
        DrainExtent e = batch.extents().getFirst();
        assertThat(e.offset()).isZero();
        assertThat(e.data()).hasSize(MIB).isEqualTo(new byte[MIB]);
        assertThat(e.trimmed()).isTrue();
        assertThat(e.allZero()).isTrue();
    }

    @Test
    void givenTrimThenWriteInsideIt_thenTheWriteWins_andTheRunIsNotTrimmed() throws Exception {
        byte[] data = pattern(VDISK, 2, 8192);
        append(OpLogRecord.trim(VDISK, 1, 1, 0, MIB));
        append(OpLogRecord.data(VDISK, 1, 2, 65536, data));

        byte[] got = read(0, MIB);
        assertThat(Arrays.copyOfRange(got, 65536, 65536 + 8192)).isEqualTo(data);
        assertThat(Arrays.copyOfRange(got, 0, 65536)).isEqualTo(new byte[65536]);
        DrainBatch batch = store.drainable(VDISK, 16L << 20);
        assertThat(batch.extents()).hasSize(1);
        DrainExtent e = batch.extents().getFirst();
        assertThat(e.trimmed()).as("a write newer than the trim lies inside the run").isFalse();
        assertThat(e.allZero()).isFalse();
        assertThat(Arrays.copyOfRange(e.data(), 65536, 65536 + 8192)).isEqualTo(data);
    }

    @Test
    void givenZeroWrite_thenItIsAllZeroButNotTrimmed() throws Exception {
        append(OpLogRecord.zero(VDISK, 1, 1, 0, MIB));

        DrainExtent e = store.drainable(VDISK, 16L << 20).extents().getFirst();
        assertThat(e.allZero()).isTrue();
        assertThat(e.trimmed()).as("WRITE ZEROES keeps its extent; only UNMAP deallocates").isFalse();
    }

    @Test
    void givenPartialTrimOfAVBlock_thenTheRunCoversOnlyTheTrimmedRange() throws Exception {
        append(OpLogRecord.trim(VDISK, 1, 1, MIB + 4096, MIB - 4096));

        List<DrainExtent> extents = store.drainable(VDISK, 16L << 20).extents();
        assertThat(extents).hasSize(1);
        assertThat(extents.getFirst().offset()).isEqualTo(MIB + 4096);
        assertThat(extents.getFirst().data()).hasSize(MIB - 4096);
        assertThat(extents.getFirst().trimmed()).isTrue();
    }

    @Test
    void givenWriteTrimAndRewrite_whenReopened_thenReplayKeepsTheKindsAndTheOrder() throws Exception {
        byte[] first = pattern(VDISK, 1, 2 * MIB);
        byte[] again = pattern(VDISK, 3, 4096);
        append(OpLogRecord.data(VDISK, 1, 1, 0, Arrays.copyOfRange(first, 0, MIB)));
        append(OpLogRecord.data(VDISK, 1, 2, MIB, Arrays.copyOfRange(first, MIB, 2 * MIB)));
        append(OpLogRecord.trim(VDISK, 1, 3, 0, MIB));
        append(OpLogRecord.trim(VDISK, 1, 4, MIB, MIB));
        append(OpLogRecord.data(VDISK, 1, 5, MIB, again));
        store.close();
        store = OpLogStore.open(new OpLogConfig(dir, 64L << 20, 16L << 20, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES), clock);

        byte[] got = read(0, 2 * MIB);
        byte[] expected = new byte[2 * MIB];
        System.arraycopy(again, 0, expected, MIB, again.length);
        assertThat(got).isEqualTo(expected);
        // the records a takeover re-writes under its new epoch keep their kind (trims stay trims)
        assertThat(store.records(VDISK)).extracting(OpLogRecord::kind).contains(RecordKind.TRIM, RecordKind.DATA);
        List<DrainExtent> extents = store.drainable(VDISK, 16L << 20).extents();
        assertThat(extents).hasSize(2);
        assertThat(extents.get(0).trimmed()).as("vBlock 0: trimmed last").isTrue();
        assertThat(extents.get(1).trimmed()).as("vBlock 1: written after its trim").isFalse();
    }
}

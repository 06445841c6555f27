package io.cairn.hal.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;
import io.cairn.hal.api.AlignedBuffers;
import io.cairn.hal.api.DeviceFullException;
import io.cairn.hal.api.DeviceUnavailableException;
import io.cairn.hal.api.DiskTier;
import io.cairn.hal.api.faults.Fault;
import io.cairn.hal.api.faults.Fault.Op;

class SimDiskFaultTest {

    private static final int BS = 4096;

    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock();
    private SimDisk disk;
    private final SimFaultInjector faults = new SimFaultInjector();

    @BeforeEach
    void open() throws IOException {
        disk = new SimDisk("sim-ssd-0", tmp.resolve("d0.img"), DiskTier.SSD, 1 << 20, BS, clock);
        faults.register(disk);
    }

    @AfterEach
    void close() throws IOException {
        disk.close();
    }

    private static ByteBuffer block(int fill) {
        ByteBuffer b = AlignedBuffers.allocate(BS, BS);
        while (b.hasRemaining()) {
            b.put((byte) fill);
        }
        return b.flip();
    }

    private ByteBuffer readBlock(long offset) throws IOException {
        ByteBuffer b = AlignedBuffers.allocate(BS, BS);
        assertThat(disk.read(offset, b)).isEqualTo(BS);
        return b.flip();
    }

    @Test
    void givenNoFaults_thenWritesReadBackAndDiscardZeroes() throws Exception {
        disk.write(BS, block(7));
        disk.flush();
        assertThat(readBlock(BS)).isEqualTo(block(7));
        disk.discard(BS, BS);
        assertThat(readBlock(BS)).isEqualTo(block(0));
        assertThat(disk.health().writeLatency().total()).isEqualTo(1);
        assertThat(disk.health().readLatency().total()).isEqualTo(2);
    }

    @Test
    void givenMisalignedRequest_thenRejectedBeforeIo() {
        assertThatThrownBy(() -> disk.read(100, AlignedBuffers.allocate(BS, BS))).hasMessageContaining("offset 100");
        assertThatThrownBy(() -> disk.write(0, ByteBuffer.allocate(100))).hasMessageContaining("length 100");
        assertThatThrownBy(() -> disk.write(1 << 20, block(1))).hasMessageContaining("beyond the device capacity");
    }

    @Test
    void givenIoErrorInRange_thenOnlyThatRangeFailsAndClearRestores() throws Exception {
        disk.write(0, block(1));
        disk.write(8 * BS, block(2));
        faults.inject("sim-ssd-0", new Fault.IoError(Op.READ, 8 * BS, BS));
        assertThat(readBlock(0)).isEqualTo(block(1));
        assertThatThrownBy(() -> readBlock(8 * BS)).isInstanceOf(IOException.class).hasMessageContaining("EIO");
        disk.write(8 * BS, block(3)); // writes are not affected by a READ fault
        assertThat(disk.health().readErrors()).isEqualTo(1);
        faults.clear("sim-ssd-0");
        assertThat(readBlock(8 * BS)).isEqualTo(block(3));
    }

    @Test
    void givenWriteErrorEverywhere_thenWritesFailAndCount() throws Exception {
        faults.inject("sim-ssd-0", Fault.IoError.everywhere(Op.WRITE));
        assertThatThrownBy(() -> disk.write(0, block(1))).hasMessageContaining("EIO: write");
        assertThat(disk.health().writeErrors()).isEqualTo(1);
        faults.clear("sim-ssd-0");
        disk.write(0, block(1));
    }

    @Test
    void givenDeviceGone_thenEveryOperationFailsUntilCleared() throws Exception {
        faults.inject("sim-ssd-0", new Fault.Disappear());
        assertThatThrownBy(() -> readBlock(0)).isInstanceOf(DeviceUnavailableException.class);
        assertThatThrownBy(() -> disk.write(0, block(1))).isInstanceOf(DeviceUnavailableException.class);
        assertThatThrownBy(disk::flush).isInstanceOf(DeviceUnavailableException.class);
        faults.clear("sim-ssd-0");
        disk.flush();
    }

    @Test
    void givenFullDevice_thenWritesFailWithEnospcButReadsWork() throws Exception {
        disk.write(0, block(9));
        faults.inject("sim-ssd-0", new Fault.Full());
        assertThatThrownBy(() -> disk.write(0, block(1))).isInstanceOf(DeviceFullException.class).hasMessageContaining("full");
        assertThat(readBlock(0)).isEqualTo(block(9));
        faults.clear("sim-ssd-0");
        disk.write(0, block(1));
        assertThat(readBlock(0)).isEqualTo(block(1));
    }

    @Test
    void givenBitFlip_thenReadsReturnCorruptDataSilentlyOnlyInRange() throws Exception {
        disk.write(0, block(4));
        disk.write(BS, block(4));
        faults.inject("sim-ssd-0", new Fault.BitFlip(BS, BS));
        assertThat(readBlock(0)).isEqualTo(block(4));
        ByteBuffer corrupt = readBlock(BS);
        assertThat(corrupt).isNotEqualTo(block(4));
        assertThat(corrupt.get(0)).isEqualTo((byte) 5);
        assertThat(disk.health().readErrors()).isZero();
        faults.clear("sim-ssd-0");
        assertThat(readBlock(BS)).isEqualTo(block(4));
    }

    @Test
    void givenAddedLatency_thenReadsWaitForTheClock() throws Exception {
        faults.inject("sim-ssd-0", new Fault.Latency(Op.READ, Duration.ofMillis(500)));
        CompletableFuture<ByteBuffer> pending = CompletableFuture.supplyAsync(() -> {
            try {
                return readBlock(0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> pending.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        clock.advance(Duration.ofMillis(500));
        assertThat(pending.get(10, TimeUnit.SECONDS)).isEqualTo(block(0));
        assertThat(disk.health().readLatency().quantileMicros(1.0)).isGreaterThanOrEqualTo(500_000);
        faults.clear("sim-ssd-0");
        readBlock(0); // no clock advance needed any more
    }

    @Test
    void givenSmartFailure_thenHealthReportsSmartFailedButIoWorksUntilCleared() throws Exception {
        assertThat(disk.health().attributes()).containsEntry("smart_passed", 1L);
        faults.inject("sim-ssd-0", new Fault.SmartFailure());
        assertThat(disk.health().attributes()).containsEntry("smart_passed", 0L).containsEntry("injected_faults", 1L);
        disk.write(0, block(6));
        assertThat(readBlock(0)).isEqualTo(block(6));
        assertThat(faults.active("sim-ssd-0")).containsExactly(new Fault.SmartFailure());
        faults.clear("sim-ssd-0");
        assertThat(disk.health().attributes()).containsEntry("smart_passed", 1L).containsEntry("injected_faults", 0L);
    }

    @Test
    void givenUnknownDevice_thenInjectorSaysWhichExist() {
        assertThatThrownBy(() -> faults.inject("nope", new Fault.Full())).hasMessageContaining("no simulated disk 'nope'")
                .hasMessageContaining("sim-ssd-0");
        assertThat(faults.devices()).containsExactly("sim-ssd-0");
    }

    @Test
    void givenBadGeometry_thenClearError() {
        assertThatThrownBy(() -> new SimDisk("x", tmp.resolve("x"), DiskTier.HDD, 1000, BS, clock))
                .hasMessageContaining("multiple of 4096");
        assertThatThrownBy(() -> new SimDisk("x", tmp.resolve("x"), DiskTier.HDD, 1 << 20, 3000, clock))
                .hasMessageContaining("power of two");
    }
}

package io.cairn.hal.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.hal.api.AlignedBuffers;
import io.cairn.hal.api.DiskTier;

class LinuxBlockDeviceTest {

    private static final int BS = 4096;

    @TempDir
    Path tmp;

    private static ByteBuffer block(int fill) {
        ByteBuffer b = AlignedBuffers.allocate(BS, BS);
        while (b.hasRemaining()) {
            b.put((byte) fill);
        }
        return b.flip();
    }

    @Test
    void givenFileDevice_whenWrittenWithODirect_thenReadsBackFlushesAndDiscardsToZeros() throws Exception {
        Path file = tmp.resolve("disk0.img");
        LinuxBlockDevice d = LinuxBlockDevice.open("file-0", file, DiskTier.NVME, 64 * BS, BS, Path.of("/sys"));
        try {
            assertThat(Files.size(file)).isEqualTo(64 * BS);
            assertThat((Long) Files.getAttribute(file, "unix:size")).isEqualTo(64L * BS);
            assertThat(d.tier()).isEqualTo(DiskTier.NVME);
            assertThat(d.id()).isEqualTo("file-0");
            assertThat(d.write(5 * BS, block(0x5A))).isEqualTo(BS);
            d.flush();
            ByteBuffer back = AlignedBuffers.allocate(BS, BS);
            assertThat(d.read(5 * BS, back)).isEqualTo(BS);
            assertThat(back.flip()).isEqualTo(block(0x5A));
            d.discard(5 * BS, BS);
            ByteBuffer zero = AlignedBuffers.allocate(BS, BS);
            d.read(5 * BS, zero);
            assertThat(zero.flip()).isEqualTo(block(0));
            assertThat(d.health().writeLatency().total()).isEqualTo(1);
            assertThat(d.health().readErrors()).isZero();
        } finally {
            d.close();
        }
    }

    @Test
    void givenReopenedFile_thenDataSurvives() throws Exception {
        Path file = tmp.resolve("disk1.img");
        LinuxBlockDevice d = LinuxBlockDevice.open("file-1", file, null, 16 * BS, BS, Path.of("/sys"));
        d.write(0, block(7));
        d.flush();
        d.close();
        LinuxBlockDevice again = LinuxBlockDevice.open("file-1", file, null, 16 * BS, BS, Path.of("/sys"));
        try {
            ByteBuffer b = AlignedBuffers.allocate(BS, BS);
            again.read(0, b);
            assertThat(b.flip()).isEqualTo(block(7));
        } finally {
            again.close();
        }
    }

    @Test
    void givenMisalignedOrHeapBuffer_thenRejectedWithReason() throws Exception {
        LinuxBlockDevice d = LinuxBlockDevice.open("file-2", tmp.resolve("d2"), null, 16 * BS, BS, Path.of("/sys"));
        try {
            assertThatThrownBy(() -> d.read(512, AlignedBuffers.allocate(BS, BS))).hasMessageContaining("offset 512");
            assertThatThrownBy(() -> d.write(0, ByteBuffer.allocate(BS))).hasMessageContaining("direct buffer");
            assertThatThrownBy(() -> d.write(16 * BS, block(1))).hasMessageContaining("beyond the device capacity");
        } finally {
            d.close();
        }
    }

    @Test
    void givenFileWithoutIdOrSize_thenClearErrors() {
        assertThatThrownBy(() -> LinuxBlockDevice.open("", tmp.resolve("x"), null, BS, BS, Path.of("/sys")))
                .hasMessageContaining("needs an explicit id");
        assertThatThrownBy(() -> LinuxBlockDevice.open("x", tmp.resolve("x"), null, 1000, BS, Path.of("/sys")))
                .hasMessageContaining("positive multiple of 4096");
    }

    @Test
    void givenAPartitionOfASparseImage_whenWrittenAndDiscarded_thenOnlyItsRangeOfTheImageChanges() throws Exception {
        Path image = tmp.resolve("sparse.img");
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(1), 64L * BS - 1); // a sparse 64-block disk image
        }
        LinuxBlockDevice p = LinuxBlockDevice.openRegion("img-p2", image, DiskTier.SSD, 16 * BS, 32 * BS, BS, Path.of("/sys"));
        try {
            assertThat(p.geometry().capacityBytes()).isEqualTo(32L * BS);
            assertThat(Files.size(image)).as("nothing allocated or grown").isEqualTo(64L * BS);
            p.write(0, block(0x11));
            p.write(31 * BS, block(0x22));
            p.flush();
            byte[] raw = Files.readAllBytes(image);
            assertThat(raw[16 * BS]).isEqualTo((byte) 0x11);
            assertThat(raw[47 * BS + 5]).isEqualTo((byte) 0x22);
            assertThat(raw[0]).isZero();
            assertThat(raw[48 * BS]).isZero();
            assertThatThrownBy(() -> p.write(32 * BS, block(1))).hasMessageContaining("beyond the device capacity");
            p.discard(0, BS);
            assertThat(Files.readAllBytes(image)[16 * BS]).isZero();
            assertThat(Files.readAllBytes(image)[47 * BS]).isEqualTo((byte) 0x22);
        } finally {
            p.close();
        }
        assertThatThrownBy(() -> LinuxBlockDevice.openRegion("img-p3", image, DiskTier.SSD, 48 * BS, 32 * BS, BS, Path.of("/sys")))
                .hasMessageContaining("beyond the end of");
        assertThatThrownBy(() -> LinuxBlockDevice.openRegion("img-p4", tmp.resolve("none.img"), DiskTier.SSD, BS, BS, BS, Path.of("/sys")))
                .hasMessageContaining("does not exist");
    }
}

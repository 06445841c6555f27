package io.cairn.storage.stargate.internal.disks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDisksTest {

    @TempDir
    Path root;

    @Test
    void givenDiskJsonWithHalDevice_whenOpened_thenTheDiskNamesItsDevice_andZeroCapacityMeansTheDevicesSize() throws IOException {
        Files.createDirectories(root.resolve("d1"));
        Files.writeString(root.resolve("d1/disk.json"), "{\"id\":\"d1\",\"tier\":\"SSD\",\"capacity_bytes\":0,\"hal_device\":\"sim-ssd-0\"}");
        Files.createDirectories(root.resolve("d2"));
        Files.writeString(root.resolve("d2/disk.json"), "{\"id\":\"d2\",\"tier\":\"HDD\",\"capacity_bytes\":1048576}");

        assertThat(LocalDisks.open(root, 1 << 30)).containsExactly(
                new LocalDisks.Disk("d1", root.resolve("d1"), "SSD", 0, "sim-ssd-0"),
                new LocalDisks.Disk("d2", root.resolve("d2"), "HDD", 1048576, null));
    }

    @Test
    void givenEmptyHalDevice_whenOpened_thenRefusedWithWhatToDo() throws IOException {
        Files.createDirectories(root.resolve("d1"));
        Files.writeString(root.resolve("d1/disk.json"), "{\"id\":\"d1\",\"hal_device\":\" \"}");
        assertThatThrownBy(() -> LocalDisks.open(root, 1 << 30)).isInstanceOf(IOException.class).hasMessageContaining("hal_device");
    }
}

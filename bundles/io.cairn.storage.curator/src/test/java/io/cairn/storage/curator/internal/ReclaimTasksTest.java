package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.curator.internal.chronos.Task;
import io.cairn.storage.curator.internal.chronos.TaskKind;
import io.cairn.storage.curator.internal.scan.ScanReduce;

class ReclaimTasksTest {

    @Test
    void givenGarbageOfTwoVDisks_thenOneTaskPerVDiskAndBatch_sortedByGroup_withTheSameIdsEveryScan() {
        VDisk a = new VDisk(new UUID(0, 1), "a", new UUID(9, 9), "ctr", 1L << 30, 2, null, 0);
        VDisk b = new VDisk(new UUID(0, 2), "b", new UUID(9, 9), "ctr", 1L << 30, 2, null, 0);
        List<ScanReduce.Garbage> garbage = new ArrayList<>();
        LongStream.rangeClosed(1, CuratorService.RECLAIM_BATCH + 6).map(i -> 1000 - i)
                .forEach(eg -> garbage.add(new ScanReduce.Garbage(a, eg, 4L << 20, 2)));
        garbage.add(new ScanReduce.Garbage(b, 7, 1L << 20, 2));

        List<Task> tasks = CuratorService.reclaimTasks(garbage);

        assertThat(tasks).hasSize(3).allMatch(t -> t.kind() == TaskKind.RECLAIM);
        assertThat(tasks.stream().mapToInt(Task::units).sum()).isEqualTo(garbage.size());
        assertThat(tasks.get(0).units()).isEqualTo(CuratorService.RECLAIM_BATCH);
        assertThat(tasks.get(0).id()).startsWith("reclaim:" + a.uuid() + ":" + (1000 - CuratorService.RECLAIM_BATCH - 6) + "+");
        assertThat(tasks.get(2).id()).isEqualTo("reclaim:" + b.uuid() + ":7");
        java.util.Collections.reverse(garbage);
        assertThat(CuratorService.reclaimTasks(garbage)).as("the same garbage, in any order: the same tasks").isEqualTo(tasks);
    }
}

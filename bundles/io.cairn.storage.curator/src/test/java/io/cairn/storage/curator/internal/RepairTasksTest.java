package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.curator.internal.CuratorService.Work;
import io.cairn.storage.curator.internal.chronos.Priority;
import io.cairn.storage.curator.internal.chronos.Task;

class RepairTasksTest {

    static final VDisk A = new VDisk(new UUID(1, 1), "a", new UUID(9, 9), "ctr", 1 << 30, 2, null, 0);
    static final VDisk B = new VDisk(new UUID(2, 2), "b", new UUID(9, 9), "ctr", 1 << 30, 2, null, 0);

    @Test
    void givenFewRepairs_thenOneGroupPerTask() {
        List<Task> tasks = CuratorService.repairTasks(List.of(new Work(A, 5, Priority.LAST_REPLICA), new Work(A, 3, Priority.LAST_REPLICA)));
        assertThat(tasks).extracting(Task::id).containsExactly("protect:" + A.uuid() + ":3", "protect:" + A.uuid() + ":5");
    }

    @Test
    void givenManyRepairs_thenBatchesOfOneVDiskAndPriority_sameTasksForTheSameWork_andEveryGroupOnce() {
        List<Work> work = new ArrayList<>();
        for (long eg = 1; eg <= 200; eg++) {
            work.add(new Work(eg % 3 == 0 ? B : A, eg, eg % 5 == 0 ? Priority.LAST_REPLICA : Priority.UNDER_REPLICATED));
        }
        assertThat(CuratorService.repairBatch(work.size())).isEqualTo(6);
        List<Task> tasks = CuratorService.repairTasks(work);
        List<Work> shuffled = new ArrayList<>(work);
        Collections.shuffle(shuffled, new java.util.Random(7));
        assertThat(CuratorService.repairTasks(shuffled)).as("a later scan (or a new leader) emits the same task ids").isEqualTo(tasks);
        assertThat(tasks.stream().mapToInt(t -> t.units()).sum()).isEqualTo(200);
        assertThat(tasks).allSatisfy(t -> assertThat(t.units()).isBetween(1, 6));
        assertThat(tasks.getFirst().priority()).as("the most urgent first").isEqualTo(Priority.LAST_REPLICA);
        assertThat(tasks).extracting(Task::id).doesNotHaveDuplicates();
        assertThat(CuratorService.repairBatch(10_000)).isEqualTo(16);
    }
}

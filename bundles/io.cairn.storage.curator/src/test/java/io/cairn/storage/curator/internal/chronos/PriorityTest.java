package io.cairn.storage.curator.internal.chronos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PriorityTest {

    @Test
    void givenARepair_thenItsPriorityFollowsTheGoodReplicasLeft() {
        assertThat(Priority.ofRepair(2, 1, 0)).isEqualTo(Priority.LAST_REPLICA);
        assertThat(Priority.ofRepair(3, 1, 0)).isEqualTo(Priority.LAST_REPLICA);
        assertThat(Priority.ofRepair(2, 2, 1)).as("one of two failing its checksum: one good copy").isEqualTo(Priority.LAST_REPLICA);
        assertThat(Priority.ofRepair(3, 2, 0)).isEqualTo(Priority.UNDER_REPLICATED);
        assertThat(Priority.ofRepair(3, 3, 1)).isEqualTo(Priority.CHECKSUM);
        assertThat(Priority.ofRepair(2, 2, 0)).as("a record listing a dead node").isEqualTo(Priority.GARBAGE);
        assertThat(Priority.ofRepair(2, 3, 0)).as("surplus").isEqualTo(Priority.GARBAGE);
        assertThat(Priority.ofDigit(0)).isEqualTo(Priority.LAST_REPLICA);
        assertThat(Priority.GARBAGE.digit()).isEqualTo(3);
    }
}

package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The Zeus documents Curator reads: settings written by operators and tests, status written by older and newer leaders. */
class CuratorDocsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void givenSettingsWithoutTheMapTaskTimeout_thenItsDefaultApplies() throws Exception {
        CuratorSettings s = JSON.readValue("{\"orphan_grace_secs\": 1}", CuratorSettings.class);
        assertThat(s.orphanGrace()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.mapTaskTimeout()).isEqualTo(Duration.ofSeconds(CuratorSettings.DEFAULT_MAP_TASK_TIMEOUT_SECS));
        assertThat(JSON.readValue("{\"orphan_grace_secs\": 5, \"map_task_timeout_secs\": 30}", CuratorSettings.class).mapTaskTimeout())
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void givenAStatusWithMapTasks_thenItReadsBack_andAnOlderOrNewerDocumentStillReads() throws Exception {
        CuratorStatus st = new CuratorStatus("10.0.0.1", 3, "PARTIAL", "test", "succeeded", "t0", "t1", 12, 0, 0, 0, List.of(), List.of(),
                List.of(new CuratorStatus.MapTasks("u1", "10.0.0.1", List.of(0, 3), "10.0.0.1", 2, 12, null)));
        assertThat(JSON.readValue(JSON.writeValueAsBytes(st), CuratorStatus.class)).isEqualTo(st);

        CuratorStatus old = JSON.readValue("{\"leader\":\"a\",\"executionId\":1,\"containers\":[],\"faultTolerance\":[]}",
                CuratorStatus.class);
        assertThat(old.mapTasks()).isEmpty();
        assertThat(JSON.readValue("{\"leader\":\"a\",\"executionId\":1,\"somethingNew\":7}", CuratorStatus.class).executionId())
                .isEqualTo(1);
    }
}

package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class CuratorSettingsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void givenADocumentWithSomeSettings_thenTheOthersKeepTheirDefaults() throws Exception {
        CuratorSettings s = JSON.readValue("{\"orphan_grace_secs\": 1}", CuratorSettings.class);
        assertThat(s.orphanGrace()).hasSeconds(1);
        assertThat(s.chronosLimits().maxTasks()).isEqualTo(2);
        assertThat(s.chronosLimits().tasksPerSec()).isEqualTo(20);
        assertThat(s.chronosLimits().busyTasksPerSec()).isEqualTo(2);
        assertThat(s.chronosLimits().busyUserOpsPerSec()).isEqualTo(100);

        s = JSON.readValue("{\"chronos_max_tasks_per_node\": 4, \"chronos_busy_tasks_per_sec\": 0.5, \"other\": true}", CuratorSettings.class);
        assertThat(s.orphanGrace()).hasSeconds(600);
        assertThat(s.chronosLimits().maxTasks()).isEqualTo(4);
        assertThat(s.chronosLimits().busyTasksPerSec()).isEqualTo(0.5);
        assertThat(CuratorSettings.DEFAULTS.chronosLimits().maxTasks()).isEqualTo(2);
    }

    @Test
    void givenABadValue_thenTheDocumentIsRefusedNamingIt() {
        assertThatThrownBy(() -> JSON.readValue("{\"chronos_max_tasks_per_node\": 0}", CuratorSettings.class))
                .hasMessageContaining("chronos_max_tasks_per_node");
        assertThatThrownBy(() -> JSON.readValue("{\"orphan_grace_secs\": 0}", CuratorSettings.class)).hasMessageContaining("orphan_grace_secs");
    }
}

package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {

    @TempDir
    Path tmp;

    private final FakeConfigAdmin cm = new FakeConfigAdmin();

    private static Dictionary<String, Object> props(String json) throws ConfigFiles.BadFile {
        return ConfigFiles.properties(json.getBytes(StandardCharsets.UTF_8));
    }

    private Path dir() {
        return tmp.resolve("etc/config");
    }

    private void write(String name, String json) throws Exception {
        Files.writeString(dir().resolve(name), json);
    }

    @Test
    void givenJsonObject_whenConverted_thenLongsDoublesBooleansStringsAndTypedArrays() throws Exception {
        Dictionary<String, Object> p = props("""
                {"hal.device.id": "n1-d0", "size.bytes": 8589934592, "ratio": 0.5, "enabled": true,
                 "names": ["a", "b"], "ports": [1, 2], "weights": [1, 2.5], "flags": [true, false], "none": []}
                """);
        assertThat(p.get("hal.device.id")).isEqualTo("n1-d0");
        assertThat(p.get("size.bytes")).isEqualTo(8589934592L);
        assertThat(p.get("ratio")).isEqualTo(0.5);
        assertThat(p.get("enabled")).isEqualTo(Boolean.TRUE);
        assertThat(p.get("names")).isEqualTo(new String[] {"a", "b"});
        assertThat(p.get("ports")).isEqualTo(new Long[] {1L, 2L});
        assertThat(p.get("weights")).isEqualTo(new Double[] {1.0, 2.5});
        assertThat(p.get("flags")).isEqualTo(new Boolean[] {true, false});
        assertThat(p.get("none")).isEqualTo(new String[0]);
        assertThat(props("{\"small\": 7}").get("small")).isInstanceOf(Long.class);
    }

    @Test
    void givenBadJson_whenConverted_thenMessageSaysWhatIsWrong() {
        assertThatThrownBy(() -> props("{\"a\": ")).isInstanceOf(ConfigFiles.BadFile.class).hasMessageContaining("not valid JSON")
                .hasMessageContaining("line 1");
        assertThatThrownBy(() -> props("[1]")).hasMessageContaining("must hold one JSON object").hasMessageContaining("array");
        assertThatThrownBy(() -> props("")).hasMessageContaining("is empty");
        assertThatThrownBy(() -> props("{\"a\": 1} {\"b\": 2}")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> props("{\"a\": null}")).hasMessageContaining("property 'a' is null");
        assertThatThrownBy(() -> props("{\"a\": {\"b\": 1}}")).hasMessageContaining("property 'a' is an object");
        assertThatThrownBy(() -> props("{\"a\": [\"x\", 1]}")).hasMessageContaining("property 'a'")
                .hasMessageContaining("element 1 is a number, element 0 is a string");
        assertThatThrownBy(() -> props("{\"a\": [[1]]}")).hasMessageContaining("property 'a'");
        assertThatThrownBy(() -> props("{\"a\": 123456789012345678901234567890}")).hasMessageContaining("does not fit a long");
        assertThatThrownBy(() -> props("{\"service.pid\": \"x\"}")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> props("{\"cairn.config.file\": \"x\"}")).hasMessageContaining("reserved");
    }

    @Test
    void givenFileNames_thenPidOrNamedFactoryConfiguration() throws Exception {
        assertThat(ConfigFiles.Pid.of("io.cairn.storage.stargate.json")).isEqualTo(new ConfigFiles.Pid("io.cairn.storage.stargate", null, null));
        assertThat(ConfigFiles.Pid.of("io.cairn.hal.sim.disk~d0.json"))
                .isEqualTo(new ConfigFiles.Pid("io.cairn.hal.sim.disk~d0", "io.cairn.hal.sim.disk", "d0"));
        assertThatThrownBy(() -> ConfigFiles.Pid.of("~d0.json")).hasMessageContaining("<factoryPid>~<name>.json");
        assertThatThrownBy(() -> ConfigFiles.Pid.of("x~.json")).hasMessageContaining("<factoryPid>~<name>.json");
        assertThatThrownBy(() -> ConfigFiles.Pid.of("a~b~c.json")).hasMessageContaining("one '~'");
        assertThatThrownBy(() -> ConfigFiles.Pid.of(".json")).hasMessageContaining("<pid>.json");
    }

    @Test
    void givenFiles_whenSynced_thenAppliedWithMarkerOnceAndOnlyOnChange() throws Exception {
        ConfigFiles files = new ConfigFiles(dir(), cm);
        write("io.cairn.hal.sim.disk~d0.json", "{\"hal.device.id\": \"n1-d0\", \"size.bytes\": 1048576, \"tier\": \"SSD\"}");
        write("io.cairn.storage.stargate.json", "{\"scrub_cold_secs\": 0}");
        write("notes.txt", "ignored");

        ConfigFiles.Result r = files.sync();
        assertThat(r.applied()).containsExactly("io.cairn.hal.sim.disk~d0.json", "io.cairn.storage.stargate.json");
        assertThat(cm.configs.get("io.cairn.hal.sim.disk~d0").factoryPid).isEqualTo("io.cairn.hal.sim.disk");
        assertThat(cm.props("io.cairn.hal.sim.disk~d0").get("size.bytes")).isEqualTo(1048576L);
        assertThat(cm.props("io.cairn.hal.sim.disk~d0").get(ConfigFiles.MARKER)).isEqualTo("io.cairn.hal.sim.disk~d0.json");
        assertThat(cm.configs.get("io.cairn.storage.stargate").factoryPid).isNull();
        assertThat(cm.updates).isEqualTo(2);

        r = files.sync();
        assertThat(r.applied()).isEmpty();
        assertThat(r.unchanged()).hasSize(2);
        assertThat(cm.updates).isEqualTo(2);

        write("io.cairn.storage.stargate.json", "{\"scrub_cold_secs\": 5}");
        assertThat(files.sync().applied()).containsExactly("io.cairn.storage.stargate.json");
        assertThat(cm.props("io.cairn.storage.stargate").get("scrub_cold_secs")).isEqualTo(5L);
        assertThat(cm.updates).isEqualTo(3);
    }

    @Test
    void givenFileRemoved_whenSynced_thenOnlyConfigurationsMadeFromFilesAreDeleted() throws Exception {
        ConfigFiles files = new ConfigFiles(dir(), cm);
        write("io.cairn.hal.sim.disk~d0.json", "{\"path\": \"/x/d0.img\"}");
        write("io.cairn.hal.sim.disk~d1.json", "{\"path\": \"/x/d1.img\"}");
        cm.getConfiguration("someone.else", "?").update(new java.util.Hashtable<>(java.util.Map.of("a", "b")));
        files.sync();
        Files.delete(dir().resolve("io.cairn.hal.sim.disk~d1.json"));

        ConfigFiles.Result r = files.sync();
        assertThat(r.deleted()).containsExactly("io.cairn.hal.sim.disk~d1");
        assertThat(cm.configs).containsOnlyKeys("io.cairn.hal.sim.disk~d0", "someone.else");
    }

    @Test
    void givenOneBadFile_whenSynced_thenOthersApplyAndItsEarlierConfigurationIsKept() throws Exception {
        ConfigFiles files = new ConfigFiles(dir(), cm);
        write("good.json", "{\"a\": 1}");
        write("bad.json", "{\"a\": 1}");
        files.sync();
        write("bad.json", "{\"a\": ");
        write("new.json", "{\"b\": \"x\"}");
        write("x~.json", "{}");

        ConfigFiles.Result r = files.sync();
        assertThat(r.applied()).containsExactly("new.json");
        assertThat(r.bad()).containsOnlyKeys("bad.json", "x~.json");
        assertThat(r.bad().get("bad.json")).contains("not valid JSON");
        assertThat(r.deleted()).isEmpty();
        assertThat(cm.props("bad").get("a")).isEqualTo(1L);
        assertThat(cm.configs).containsOnlyKeys("bad", "good", "new");
    }

    @Test
    void givenWatching_whenFileAddedAndRemovedAtRunTime_thenAppliedAndDeleted() throws Exception {
        ConfigFiles files = new ConfigFiles(dir(), cm);
        files.watch();
        try {
            write("late~one.json", "{\"v\": true}");
            waitFor(() -> cm.props("late~one") != null && Boolean.TRUE.equals(cm.props("late~one").get("v")));
            Files.delete(dir().resolve("late~one.json"));
            waitFor(() -> !cm.configs.containsKey("late~one"));
        } finally {
            files.deactivate();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}

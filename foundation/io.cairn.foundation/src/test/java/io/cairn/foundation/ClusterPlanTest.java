package io.cairn.foundation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

class ClusterPlanTest {

    @TempDir
    Path dir;

    static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s.replace('\'', '"'));
    }

    static final String GOOD = """
            {'cluster': {'name': 'c1', 'ip': '127.0.9.10', 'dns': ['127.0.0.53'], 'fault_tolerance': 1},
             'cvm': {'netmask': '255.0.0.0', 'gateway': '127.0.0.1'},
             'hypervisor': {'type': 'kvm', 'hostname_prefix': 'h'},
             'image': {'archive': 'img.tar.gz', 'trust': 'keys'},
             'admin': 'admin',
             'nodes': [{'home': 'n1', 'cvm_ip': '127.0.9.1'}, {'home': 'n2', 'cvm_ip': '127.0.9.2', 'hostname': 'special'},
                       {'home': 'n3', 'cvm_ip': '127.0.9.3'}]}
            """;

    @Test
    void givenAGoodForm_thenPathsResolveAgainstItsFolderAndHostnamesFollowThePrefix() throws Exception {
        ClusterPlan p = ClusterPlan.parse(json(GOOD), dir);
        assertThat(p.image()).isEqualTo(dir.resolve("img.tar.gz"));
        assertThat(p.admin()).isEqualTo(dir.resolve("admin"));
        assertThat(p.nodes()).extracting(ClusterPlan.NodePlan::hostname).containsExactly("h-1", "special", "h-3");
        assertThat(p.nodes().get(2).field("cvm_ip")).isEqualTo("nodes[3].cvm_ip");
        assertThat(p.faultTolerance()).isEqualTo(1);
        assertThat(p.skipImaging()).isFalse();
    }

    @Test
    void givenABadShape_thenEveryProblemNamesItsField() throws Exception {
        String bad = GOOD.replace("'fault_tolerance': 1", "'fault_tolerance': 'one', 'colour': 1")
                .replace("{'home': 'n1', 'cvm_ip': '127.0.9.1'}", "{'home': 'n1'}").replace("'admin': 'admin',", "");
        assertThatThrownBy(() -> ClusterPlan.parse(json(bad), dir)).isInstanceOfSatisfying(ClusterPlan.Invalid.class,
                e -> assertThat(e.problems()).extracting(ClusterPlan.Problem::field)
                        .containsExactlyInAnyOrder("cluster.colour", "cluster.fault_tolerance", "admin", "nodes[1].cvm_ip"));
        assertThatThrownBy(() -> ClusterPlan.parse(json("[]"), dir)).isInstanceOf(ClusterPlan.Invalid.class);
    }

    @Test
    void givenDuplicatesAndBadAddresses_thenValidationNamesBothFields() throws Exception {
        String dup = GOOD.replace("'cvm_ip': '127.0.9.3'", "'cvm_ip': '127.0.9.1', 'ipmi_ip': '127.0.9.10'")
                .replace("'netmask': '255.0.0.0'", "'netmask': '255.0.255.0'").replace("'h'", "'bad_prefix'");
        ClusterPlan p = ClusterPlan.parse(json(dup), dir);
        List<String> problems = new Validator(new NetworkProbe(200)).validate(p).problems().stream().map(Object::toString).toList();
        assertThat(problems).contains("nodes[3].cvm_ip: 127.0.9.1 is also given as nodes[1].cvm_ip; each address once",
                "nodes[3].ipmi_ip: 127.0.9.10 is also given as cluster.ip; each address once",
                "cvm.netmask: 255.0.255.0 is not a netmask (ones then zeros, e.g. 255.255.255.0)",
                "nodes[1].hostname: 'bad_prefix-1' is not a host name (letters, digits and '-', up to 63)");
        assertThat(problems).anyMatch(s -> s.startsWith("nodes[1].home: " + dir.resolve("n1") + " is not a node"));
        assertThat(problems).anyMatch(s -> s.startsWith("image.archive: " + dir.resolve("img.tar.gz") + " does not exist"));
    }

    @Test
    void givenTooFewNodesForTheFaultTolerance_thenRefused() throws Exception {
        ClusterPlan p = ClusterPlan.parse(json(GOOD.replace("'fault_tolerance': 1", "'fault_tolerance': 2")), dir);
        assertThat(new Validator(new NetworkProbe(200)).validate(p).problems()).extracting(Object::toString)
                .contains("nodes: fault tolerance 2 needs at least 5 nodes; the form has 3");
    }

    @Test
    void givenABareNode_thenItsStateIsBareUntilAnImageAndAClusterAppear() throws Exception {
        Path root = Files.createDirectories(dir.resolve("repo/bin"));
        Path cairn = Files.writeString(root.resolve("cairn"), "#!/bin/sh\n");
        cairn.toFile().setExecutable(true);
        List<Path> homes = BareNodes.create(dir.resolve("nodes"), 2, "node", dir.resolve("repo"));
        NodeHome n = NodeHome.open(homes.get(0));
        assertThat(n.state()).isEqualTo(NodeHome.State.BARE);
        assertThat(n.serial()).isNotEqualTo(NodeHome.open(homes.get(1)).serial());
        Files.writeString(n.home().resolve("boot"), "A\n");
        assertThat(n.state()).isEqualTo(NodeHome.State.FACTORY);
        Files.createDirectories(n.home().resolve("data/cluster"));
        Files.writeString(n.home().resolve("data/cluster/cluster.json"), "{}");
        assertThat(n.state()).isEqualTo(NodeHome.State.CONFIGURED);
        // a second run keeps the nodes it made
        String manifest = Files.readString(n.home().resolve(NodeHome.MANIFEST));
        BareNodes.create(dir.resolve("nodes"), 2, "node", dir.resolve("repo"));
        assertThat(Files.readString(n.home().resolve(NodeHome.MANIFEST))).isEqualTo(manifest);
        assertThatThrownBy(() -> NodeHome.open(dir)).hasMessageContaining("is not a node: it has no node.json");
    }

    @Test
    void faultToleranceSummaryIsTheMinimumOverComponents() {
        String report = """
                    Domain Type               : NODE

                    Component Type            : EXTENT_GROUPS
                    Current Fault Tolerance   : 1
                    Component Type            : METADATA
                    Current Fault Tolerance   : 0
                """;
        assertThat(ProgressPrinter.faultTolerance(report)).isEqualTo("0 (EXTENT_GROUPS 1, METADATA 0)");
        assertThat(ProgressPrinter.faultTolerance("")).isEqualTo("unknown");
    }
}

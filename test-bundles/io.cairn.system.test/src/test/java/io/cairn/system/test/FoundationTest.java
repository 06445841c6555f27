package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Foundation end to end (issue #10): three bare nodes (a home each with a process BMC, nothing
 * installed) on 127.0.1.231-233 are validated, imaged in parallel through their BMCs and formed
 * into a cluster with its default container and virtual IP 127.0.1.239; a vDisk of that container
 * is written and read back over NBD with TLS. A node whose BMC cannot power it on fails only its
 * own part (no cluster is created) and the next run resumes without imaging the others again.
 * Validation refuses each bad form with the field named, using the real network: an address in
 * use on loopback (a listener on the RPC port) and, on a test-only veth link (198.18.10.0/24), a
 * gateway that does not answer and an address a host already holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FoundationTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String VIP = "127.0.1.239";
    static final List<String> IPS = List.of("127.0.1.231", "127.0.1.232", "127.0.1.233");

    private Path work;
    private Path config;

    @BeforeAll
    void bare() throws Exception {
        work = Files.createTempDirectory("cairn-foundation");
        Proc p = foundation(Duration.ofSeconds(60), "bare", "create", "--dir", work.toString(), "--count", "3");
        assertThat(p.exitCode()).as(p.output()).isZero();
        assertThat(p.output()).contains("node1: bare node CRN-").contains("node3: bare node CRN-");
        config = work.resolve("cluster.json");
        Files.writeString(config, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(form()));
    }

    @AfterAll
    void down() throws Exception {
        FoundationRig.tearDown(work, config, 5, "foundation-logs", "foundation");
    }

    ObjectNode form() {
        return FoundationRig.form("fnd", VIP, IPS);
    }

    Proc foundation(Duration timeout, String... args) throws Exception {
        return FoundationRig.foundation(work, timeout, Map.of(), args);
    }

    Proc validate(ObjectNode form) throws Exception {
        Path f = work.resolve("form-" + System.nanoTime() + ".json");
        Files.writeString(f, JSON.writeValueAsString(form));
        return foundation(Duration.ofSeconds(60), "validate", "--config", f.toString());
    }

    /** The admin credential laid out as GnuTLS clients (qemu) expect it, in {@code work/tls}. */
    Path tls() throws Exception {
        Path admin = work.resolve("admin");
        Path tls = Files.createDirectories(work.resolve("tls"));
        Files.copy(admin.resolve("ca.pem"), tls.resolve("ca-cert.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(admin.resolve("cert.pem"), tls.resolve("client-cert.pem"), StandardCopyOption.REPLACE_EXISTING);
        // GnuTLS reads the EC key in its SEC1 form ("EC PRIVATE KEY"), not Java's PKCS#8
        Proc key = Proc.run(Duration.ofSeconds(30), work, Map.of(), List.of("openssl", "ec", "-in", admin.resolve("key.pem").toString(),
                "-out", tls.resolve("client-key.pem").toString()));
        assertThat(key.exitCode()).as(key.output()).isZero();
        return tls;
    }

    @Test
    @Order(1)
    void givenBadForms_whenValidated_thenEachRefusalNamesTheField() throws Exception {
        assertThat(validate(form()).output()).contains("valid: cluster fnd, 3 nodes, image cairn-appliance");

        ObjectNode dup = form();
        ((ObjectNode) dup.get("nodes").get(2)).put("cvm_ip", IPS.get(0));
        Proc p = validate(dup);
        assertThat(p.exitCode()).as(p.output()).isEqualTo(1);
        assertThat(p.output()).contains("nodes[3].cvm_ip: 127.0.1.231 is also given as nodes[1].cvm_ip");

        ObjectNode vipTwice = form();
        ((ObjectNode) vipTwice.get("cluster")).put("ip", IPS.get(1));
        assertThat(validate(vipTwice).output()).contains("nodes[2].cvm_ip: 127.0.1.232 is also given as cluster.ip");

        ObjectNode shape = form();
        shape.put("colour", "blue");
        ((ObjectNode) shape.get("nodes").get(0)).remove("cvm_ip");
        ((ObjectNode) shape.get("cluster")).put("fault_tolerance", 3);
        p = validate(shape);
        assertThat(p.output()).contains("colour: unknown field").contains("nodes[1].cvm_ip: is required")
                .contains("cluster.fault_tolerance: must be 1 or 2");

        ObjectNode subnet = form();
        ((ObjectNode) subnet.get("cvm")).put("netmask", "255.255.255.0").put("gateway", "127.0.1.1");
        ((ObjectNode) subnet.get("nodes").get(1)).put("cvm_ip", "127.0.2.232");
        assertThat(validate(subnet).output()).contains("nodes[2].cvm_ip: 127.0.2.232 is outside the subnet of gateway 127.0.1.1/255.255.255.0");

        ObjectNode esxi = form();
        ((ObjectNode) esxi.get("hypervisor")).put("type", "esxi");
        assertThat(validate(esxi).output()).contains("hypervisor.type: image cairn-appliance").contains("supports [kvm], not 'esxi'");

        // an address some host already holds on loopback: something listens on its RPC port
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName(IPS.get(2)), 2100));
            p = validate(form());
            assertThat(p.exitCode()).as(p.output()).isEqualTo(1);
            assertThat(p.output()).contains("nodes[3].cvm_ip: 127.0.1.233 already answers on the network");
        }

        // a tampered image (one byte of the archive) and an unsigned one (no signature file)
        Path dir = Files.createDirectories(work.resolve("images"));
        Path archive = Proc.builtArchive();
        Path meta = archive.resolveSibling(archive.getFileName().toString().replace(".tar.gz", ".metadata.json"));
        Path copy = dir.resolve(archive.getFileName());
        Files.copy(archive, copy, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(meta, dir.resolve(meta.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        byte[] bytes = Files.readAllBytes(copy);
        bytes[bytes.length / 2] ^= 1;
        Files.write(copy, bytes);
        Files.copy(Path.of(meta + ".sig"), dir.resolve(meta.getFileName() + ".sig"), StandardCopyOption.REPLACE_EXISTING);
        ObjectNode tampered = form();
        ((ObjectNode) tampered.get("image")).put("archive", copy.toString());
        p = validate(tampered);
        assertThat(p.exitCode()).as(p.output()).isEqualTo(1);
        assertThat(p.output()).contains("image.archive: refused:");
        Files.delete(dir.resolve(meta.getFileName() + ".sig"));
        Files.copy(archive, copy, StandardCopyOption.REPLACE_EXISTING);
        p = validate(tampered);
        assertThat(p.exitCode()).as(p.output()).isEqualTo(1);
        assertThat(p.output()).contains("image.archive: refused:");
        System.out.println("[foundation] unsigned image: " + p.output().lines().filter(l -> l.contains("image.archive")).findFirst().orElse(""));

        // a real link: a gateway nobody answers for, and an address a host already has
        Layer2Lan lan = new Layer2Lan("cfndv", "cfndbr", "cfnd", "198.18.10.2/24", 1, work);
        try {
            Layer2Lan.must("ip", "addr", "add", "198.18.10.1/24", "dev", lan.iface(0));
            ObjectNode link = form();
            ((ObjectNode) link.get("cluster")).remove("ip");
            ((ObjectNode) link.get("cvm")).put("netmask", "255.255.255.0").put("gateway", "198.18.10.254");
            for (int i = 0; i < 3; i++) {
                ((ObjectNode) link.get("nodes").get(i)).put("cvm_ip", "198.18.10." + (11 + i));
            }
            ((ObjectNode) link.get("nodes").get(1)).put("cvm_ip", "198.18.10.2");
            p = validate(link);
            System.out.println("[foundation] link validation:\n" + p.output());
            assertThat(p.output()).contains("cvm.gateway: the gateway 198.18.10.254 does not answer")
                    .contains("nodes[2].cvm_ip: 198.18.10.2 already answers on the network")
                    .doesNotContain("nodes[1].cvm_ip").doesNotContain("nodes[3].cvm_ip");
        } finally {
            lan.close("foundation-logs");
        }
    }

    @Test
    @Order(2)
    void givenANodeThatCannotPowerOn_whenImaged_thenOnlyItFailsAndTheRerunResumes() throws Exception {
        Path manifest = work.resolve("node3/node.json");
        String good = Files.readString(manifest);
        ObjectNode broken = (ObjectNode) JSON.readTree(good);
        ((ObjectNode) broken.get("bmc")).putArray("start").add("/bin/false");
        Files.writeString(manifest, JSON.writeValueAsString(broken));
        Proc first;
        try {
            first = foundation(Duration.ofMinutes(6), "image", "--config", config.toString());
        } finally {
            Files.writeString(manifest, good);
        }
        System.out.println("[foundation] first run:\n" + first.output());
        assertThat(first.exitCode()).as(first.output()).isEqualTo(1);
        assertThat(first.output()).contains("1 of 3 nodes failed (node 3 127.0.1.233: powering on (BMC)")
                .contains("no cluster was created");
        assertThat(first.output()).containsPattern("node 1 CRN-\\S+ +127.0.1.231 +7/7 +checked in")
                .containsPattern("node 2 CRN-\\S+ +127.0.1.232 +7/7 +checked in");
        assertThat(work.resolve("admin/cert.pem")).doesNotExist();
        Proc status = foundation(Duration.ofSeconds(60), "status", "--config", config.toString());
        assertThat(status.output()).containsPattern("1 +CRN-\\S+ +factory +on +127.0.1.231")
                .containsPattern("3 +CRN-\\S+ +factory +off +127.0.1.233");

        Proc second = foundation(Duration.ofMinutes(8), "image", "--config", config.toString());
        System.out.println("[foundation] second run:\n" + second.output());
        assertThat(second.exitCode()).as(second.output()).isZero();
        // nodes 1 and 2 were not imaged again; node 3 was (its image stayed from the first run, so it is only powered on)
        assertThat(second.output()).doesNotContainPattern("node [12] CRN-\\S+ +\\S+ +2/7 +writing the image")
                .containsPattern("node 1 CRN-\\S+ +127.0.1.231 +7/7 +checked in: image already installed")
                .contains("cluster fnd created").contains("Cluster created. Prism: https://" + VIP + ":9440/")
                .containsPattern("Log in as user admin with password \\S{20} ")
                .contains("Fault tolerance (node failures tolerable now): 1 (");
        Matcher total = Pattern.compile("Total: ([0-9.]+) s").matcher(second.output());
        assertThat(total.find()).isTrue();
        System.out.println("[foundation] factory/bare to healthy cluster: " + total.group(1) + " s");
    }

    @Test
    @Order(3)
    void givenTheCluster_thenTheDefaultContainerServesAVdiskOverNbdAndTheVirtualIpAnswers() throws Exception {
        Path admin = work.resolve("admin");
        Proc api = Proc.run(Duration.ofSeconds(60), work, Map.of(), List.of("curl", "-sS", "--fail", "--cacert", admin.resolve("ca.pem").toString(),
                "--cert", admin.resolve("cert.pem").toString(), "--key", admin.resolve("key.pem").toString(),
                "https://" + VIP + ":9440/api/v1/cluster"));
        assertThat(api.exitCode()).as(api.output()).isZero();
        assertThat(api.output()).containsPattern("\"name\" ?: ?\"fnd\"").containsPattern("\"external_ip_address\" ?: ?\"" + VIP.replace(".", "\\.") + "\"");

        Proc create = Proc.cairn(Duration.ofSeconds(120), "ncli", "vdisk", "create", "ctr=default-container", "name=fd1", "size=64M",
                "--node", IPS.get(0), "--admin", admin.toString());
        assertThat(create.exitCode()).as(create.output()).isZero();
        Path tls = tls();
        byte[] data = new byte[1 << 20];
        new Random(10).nextBytes(data);
        Path src = work.resolve("src.img");
        Files.write(src, data);
        String obj = "tls-creds-x509,id=tls0,dir=" + tls + ",endpoint=client";
        Proc w = Proc.run(Duration.ofSeconds(180), work, Map.of(), List.of("qemu-img", "convert", "-n", "-f", "raw", "--object", obj,
                "--target-image-opts", src.toString(), "driver=nbd,host=" + IPS.get(1) + ",port=10809,export=default-container/fd1,tls-creds=tls0"));
        assertThat(w.exitCode()).as(w.output()).isZero();
        Path out = work.resolve("out.img");
        Proc r = Proc.run(Duration.ofSeconds(180), work, Map.of(), List.of("qemu-img", "convert", "-O", "raw", "--object", obj,
                "--image-opts", "driver=nbd,host=" + IPS.get(2) + ",port=10809,export=default-container/fd1,tls-creds=tls0", out.toString()));
        assertThat(r.exitCode()).as(r.output()).isZero();
        byte[] back = Files.readAllBytes(out);
        assertThat(java.util.Arrays.copyOf(back, data.length)).isEqualTo(data);

        // the device layout (spec 10 §7): each bare node's two sparse 256 GiB SSD images were partitioned when imaged,
        // and the storage pool's disks are their cairn-estore partitions (hal.linux devices over those byte ranges)
        Proc disks = Proc.run(Duration.ofSeconds(60), work, Map.of(), List.of("curl", "-sS", "--fail", "--cacert", admin.resolve("ca.pem").toString(),
                "--cert", admin.resolve("cert.pem").toString(), "--key", admin.resolve("key.pem").toString(),
                "https://" + VIP + ":9440/api/v1/disks"));
        assertThat(disks.exitCode()).as(disks.output()).isZero();
        com.fasterxml.jackson.databind.JsonNode pool = new com.fasterxml.jackson.databind.ObjectMapper().readTree(disks.output());
        long allocated = 0;
        for (int i = 1; i <= 3; i++) {
            Path node = work.resolve("node" + i);
            for (String ssd : List.of("ssd0", "ssd1")) {
                Path image = node.resolve("disks/" + ssd + ".img");
                Proc partx = Proc.run(Duration.ofSeconds(30), work, Map.of(), List.of("partx", "--raw", "--noheadings", "--output",
                        "NR,START,SECTORS,NAME", image.toString()));
                assertThat(partx.exitCode()).as(partx.output()).isZero();
                List<String> names = partx.output().lines().map(l -> l.split(" ")[3]).toList();
                assertThat(names).as(image.toString()).containsExactlyElementsOf(ssd.equals("ssd0")
                        ? List.of("cairn-home", "cairn-metadata", "cairn-oplog", "cairn-curator", "cairn-estore")
                        : List.of("cairn-home", "cairn-metadata", "cairn-oplog", "cairn-estore"));
                long estoreBytes = Long.parseLong(partx.output().lines().toList().getLast().split(" ")[2]) * 512;
                String serial = new com.fasterxml.jackson.databind.ObjectMapper().readTree(node.resolve("node.json").toFile())
                        .get("disks").get(ssd.equals("ssd0") ? 0 : 1).get("serial").asText();
                com.fasterxml.jackson.databind.JsonNode disk = null;
                for (com.fasterxml.jackson.databind.JsonNode e : pool.get("entities")) {
                    if (e.path("spec").path("id").asText().equals(serial)) {
                        disk = e;
                    }
                }
                assertThat(disk).as("disk " + serial + " in the pool: " + disks.output()).isNotNull();
                // the extent store keeps its superblock and egroup-slot alignment inside the partition
                assertThat(disk.path("status").path("capacity_bytes").asLong()).as(serial).isBetween(estoreBytes - (64L << 20), estoreBytes);
                assertThat(disk.path("status").path("online").asBoolean()).as(serial).isTrue();
                Proc stat = Proc.run(Duration.ofSeconds(10), work, Map.of(), List.of("stat", "-c", "%b", image.toString()));
                allocated += Long.parseLong(stat.output().strip()) * 512;
            }
        }
        assertThat(pool.get("entities")).as("the pool is the nodes' estore partitions, nothing else").hasSize(6);

        // the layout over REST (spec 10 §7 "shown via REST"): node 1's, as partitioned, each layer the size of its partition
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String[] curl = {"curl", "-sS", "--fail-with-body", "--cacert", admin.resolve("ca.pem").toString(), "--cert",
                admin.resolve("cert.pem").toString(), "--key", admin.resolve("key.pem").toString()};
        Proc hosts = Proc.run(Duration.ofSeconds(60), work, Map.of(), List.of(concat(curl, "https://" + VIP + ":9440/api/v1/hosts")));
        assertThat(hosts.exitCode()).as(hosts.output()).isZero();
        String node1 = null;
        for (com.fasterxml.jackson.databind.JsonNode h : json.readTree(hosts.output()).get("entities")) {
            if (h.path("spec").path("address").asText().equals(IPS.get(0))) {
                node1 = h.path("metadata").path("uuid").asText();
            }
        }
        assertThat(node1).as(hosts.output()).isNotNull();
        Proc layoutCall = Proc.run(Duration.ofSeconds(60), work, Map.of(), List.of(concat(curl, "https://" + VIP + ":9440/api/v1/hosts/"
                + node1 + "/disk_layout")));
        assertThat(layoutCall.exitCode()).as(layoutCall.output()).isZero();
        com.fasterxml.jackson.databind.JsonNode layout = json.readTree(layoutCall.output()).path("status");
        assertThat(layout.path("source").asText()).as(layoutCall.output()).isEqualTo("partitioned");
        assertThat(layout.path("rf_max").asInt()).isEqualTo(layout.path("partitioned_for_rf").asInt());
        assertThat(layout.path("disks")).hasSize(2);
        java.util.Map<String, String> partitionOf = Map.of("HOME", "cairn-home", "METADATA", "cairn-metadata", "OPLOG", "cairn-oplog",
                "CURATOR", "cairn-curator", "EXTENT_STORE", "cairn-estore");
        for (int d = 0; d < 2; d++) {
            com.fasterxml.jackson.databind.JsonNode disk = layout.path("disks").get(d);
            Proc partx = Proc.run(Duration.ofSeconds(30), work, Map.of(), List.of("partx", "--raw", "--noheadings", "--output",
                    "NAME,SECTORS", work.resolve("node1/disks/ssd" + d + ".img").toString()));
            java.util.Map<String, Long> sizes = new java.util.HashMap<>();
            partx.output().lines().forEach(l -> sizes.put(l.split(" ")[0], Long.parseLong(l.split(" ")[1]) * 512));
            assertThat(disk.path("layers")).as(layoutCall.output()).hasSize(sizes.size());
            for (com.fasterxml.jackson.databind.JsonNode l : disk.path("layers")) {
                assertThat(l.path("size_bytes").asLong()).as(disk.path("id") + " " + l.path("layer"))
                        .isEqualTo(sizes.get(partitionOf.get(l.path("layer").asText())));
            }
        }
        assertThat(layout.path("disks").get(0).path("layers").get(0).path("size_bytes").asLong()).as("Home: 60 GiB").isEqualTo(60L << 30);
        assertThat(layout.path("text").asText()).contains("Device layout at RF");
        assertThat(allocated).as("the vDisk's replicas landed in the disk images").isGreaterThan(2L * data.length);
    }

    @Test
    @Order(4)
    void givenACreatedCluster_whenImagedAgain_thenItIsOnlyCheckedAndNothingIsRedone() throws Exception {
        Proc again = foundation(Duration.ofMinutes(4), "image", "--config", config.toString());
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("cluster fnd exists already").contains("Cluster is up.").doesNotContain("writing the image")
                .doesNotContain("Log in as user admin with password");
    }

    @Test
    @Order(5)
    void givenTheCluster_whenTheFormNamesTwoMoreBareNodes_thenTheyAreImagedAndJoinWhileAVdiskIsWritten() throws Exception {
        Proc bare = foundation(Duration.ofSeconds(60), "bare", "create", "--dir", work.toString(), "--count", "5");
        assertThat(bare.exitCode()).as(bare.output()).isZero();
        assertThat(bare.output()).contains("node4: bare node").contains("node1: configured node");
        ObjectNode five = form();
        ((ArrayNode) five.get("nodes")).addObject().put("home", "node4").put("cvm_ip", "127.0.1.240");
        ((ArrayNode) five.get("nodes")).addObject().put("home", "node5").put("cvm_ip", "127.0.1.230");
        Files.writeString(config, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(five));

        // load: a 128 MiB vDisk written through node 2 while the nodes join, read back afterwards
        Path admin = work.resolve("admin");
        Proc create = Proc.cairn(Duration.ofSeconds(120), "ncli", "vdisk", "create", "ctr=default-container", "name=fd2", "size=128M",
                "--node", IPS.get(0), "--admin", admin.toString());
        assertThat(create.exitCode()).as(create.output()).isZero();
        byte[] data = new byte[128 << 20];
        new Random(11).nextBytes(data);
        Path src = work.resolve("load.img");
        Files.write(src, data);
        String obj = "tls-creds-x509,id=tls0,dir=" + tls() + ",endpoint=client";
        Process writer = new ProcessBuilder("qemu-img", "convert", "-n", "-f", "raw", "--object", obj, "--target-image-opts", src.toString(),
                "driver=nbd,host=" + IPS.get(1) + ",port=10809,export=default-container/fd2,tls-creds=tls0").redirectErrorStream(true)
                .redirectOutput(work.resolve("load.log").toFile()).start();
        try {
            Proc grow = foundation(Duration.ofMinutes(10), "image", "--config", config.toString());
            System.out.println("[foundation] expansion:\n" + grow.output());
            assertThat(grow.exitCode()).as(grow.output()).isZero();
            assertThat(grow.output()).contains("expanding cluster fnd (3 nodes) by 2 node(s)").contains("joined 127.0.1.240 to cluster fnd")
                    .contains("joined 127.0.1.230 to cluster fnd").contains("cluster fnd expanded to 5 nodes")
                    .doesNotContainPattern("node [123] CRN-\\S+ +\\S+ +\\d/6");
            assertThat(writer.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).as("the writer finished").isTrue();
            assertThat(writer.exitValue()).as(Files.readString(work.resolve("load.log"))).isZero();
        } finally {
            writer.destroyForcibly();
        }
        Proc status = Proc.cairn(Duration.ofSeconds(60), "cluster", "status", "--node", IPS.get(2), "--admin", admin.toString());
        assertThat(status.output()).as(status.output()).contains("CVM: 127.0.1.240 Up").contains("CVM: 127.0.1.230 Up")
                .contains("(5 of 5 CVMs up)");
        Path out = work.resolve("load-out.img");
        Proc r = Proc.run(Duration.ofSeconds(300), work, Map.of(), List.of("qemu-img", "convert", "-O", "raw", "--object", obj,
                "--image-opts", "driver=nbd,host=127.0.1.240,port=10809,export=default-container/fd2,tls-creds=tls0", out.toString()));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(java.util.Arrays.equals(Files.readAllBytes(out), data)).as("the vDisk written during the expansion reads back").isTrue();
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}

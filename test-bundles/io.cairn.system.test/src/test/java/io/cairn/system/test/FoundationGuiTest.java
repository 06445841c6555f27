package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The Foundation web GUI (issue #10): headless Chromium drives the wizard at
 * {@code /gui/index.html} (discover → cluster → node setup → validate → images → create → progress →
 * done) through a 3-node creation from bare nodes on 127.0.1.234-236 (virtual IP 127.0.1.237,
 * GUI on 127.0.1.238:8000); a duplicate address is refused in the validate step first; the
 * completion page shows the cluster, Prism's address and the admin password.
 */
class FoundationGuiTest {

    static final List<String> IPS = List.of("127.0.1.234", "127.0.1.235", "127.0.1.236");
    static final String VIP = "127.0.1.237";
    static final String GUI = "127.0.1.238:8000";

    @Test
    void givenThreeBareNodes_whenTheWizardIsDriven_thenTheCompletionPageShowsTheCluster() throws Exception {
        Path work = Files.createTempDirectory("cairn-foundation-gui");
        Process server = null;
        try {
            Proc bare = Proc.run(Duration.ofSeconds(60), work, Map.of(), List.of(Proc.ROOT.resolve("bin/foundation").toString(), "bare",
                    "create", "--dir", work.toString(), "--count", "3"));
            assertThat(bare.exitCode()).as(bare.output()).isZero();
            server = new ProcessBuilder(Proc.ROOT.resolve("bin/foundation").toString(), "serve", "--dir", work.toString(), "--listen", GUI)
                    .redirectErrorStream(true).redirectOutput(work.resolve("serve.log").toFile()).start();
            Process s = server;
            LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> {
                try {
                    return s.isAlive() && Files.readString(work.resolve("serve.log")).contains("Foundation GUI: http://" + GUI);
                } catch (IOException e) {
                    return false;
                }
            }, "foundation serve to listen");

            try (WebDriver web = new WebDriver(work)) {
                web.open("http://" + GUI + "/gui/index.html");
                web.click("#discover");
                web.waitFor(Duration.ofSeconds(30), "3 discovered nodes", () -> count(web, "#node-table tbody tr") == 3);
                assertThat(web.text("#node-table tbody")).contains("node1").contains("bare").contains("CRN-");
                web.click("#to-cluster");
                web.type("#cluster-name", "gui");
                web.type("#cluster-ip", VIP);
                web.type("#first-ip", IPS.get(0));
                web.type("#hostname-prefix", "gui");
                web.click("#to-nodes");
                assertThat(web.script("return [...document.querySelectorAll('.node-cvm')].map(e => e.value)").toString())
                        .isEqualTo("[\"127.0.1.234\",\"127.0.1.235\",\"127.0.1.236\"]");

                // a duplicate address is refused naming both fields; fixed, the network checks pass
                web.type("tr:nth-child(2) .node-cvm", IPS.get(0));
                web.click("#to-validate");
                web.click("#validate");
                web.waitFor(Duration.ofSeconds(60), "the duplicate refused", () -> text(web, "#problems").contains("nodes[2].cvm_ip"));
                assertThat(web.text("#problems")).contains("nodes[2].cvm_ip: 127.0.1.234 is also given as nodes[1].cvm_ip");
                web.click("#step-validate button.back");
                web.type("tr:nth-child(2) .node-cvm", IPS.get(1));
                web.click("#to-validate");
                web.click("#validate");
                web.waitFor(Duration.ofSeconds(60), "the network checks to pass", () -> visible(web, "#valid-ok"));

                web.click("#to-images");
                web.waitFor(Duration.ofSeconds(30), "the image list", () -> count(web, "#image-table tbody tr") >= 1);
                String archive = "cairn-appliance-" + System.getProperty("cairn.version") + ".tar.gz";
                assertThat(web.text("#image-table tbody")).contains(archive).contains("verified").contains("kvm");
                web.click("#image-table input[value$='/" + archive + "']");
                web.click("#to-create");
                assertThat(web.text("#summary")).contains("\"name\": \"gui\"").contains(VIP);
                web.click("#create");
                web.waitFor(Duration.ofSeconds(20), "the progress page", () -> visible(web, "#step-progress"));
                web.waitFor(Duration.ofMinutes(9), "the completion page", () -> visible(web, "#step-done"));
                String done = web.text("#step-done");
                System.out.println("[foundation-gui] completion page:\n" + done + "\n" + web.textContent("#cluster-lines").lines().limit(5).toList());
                assertThat(done).contains("Cluster gui created.").contains("https://" + VIP + ":9440/")
                        .contains("Fault tolerance").containsPattern("Admin password\\s+\\S{20} \\(shown only now");
                assertThat(web.textContent("#progress-table tbody")).contains("checked in");
            }
            // the cluster answers on its virtual IP with the admin certificate the run wrote
            Path admin = work.resolve("gui-admin");
            Proc api = Proc.run(Duration.ofSeconds(60), work, Map.of(), List.of("curl", "-sS", "--fail", "--cacert",
                    admin.resolve("ca.pem").toString(), "--cert", admin.resolve("cert.pem").toString(), "--key", admin.resolve("key.pem").toString(),
                    "https://" + VIP + ":9440/api/v1/cluster"));
            assertThat(api.exitCode()).as(api.output()).isZero();
            assertThat(api.output()).containsPattern("\"name\" ?: ?\"gui\"");
        } finally {
            if (server != null) {
                server.destroy();
                server.waitFor();
            }
            List<Path> logs = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                Path home = work.resolve("node" + i);
                Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", home.toString());
                logs.add(home.resolve("logs/controller.log"));
            }
            Path keep = Files.createDirectories(Path.of("target", "foundation-gui-logs"));
            for (int i = 0; i < logs.size(); i++) {
                if (Files.exists(logs.get(i))) {
                    Files.copy(logs.get(i), keep.resolve("n" + (i + 1) + ".log"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            for (String f : List.of("serve.log", "chromedriver.log")) {
                if (Files.exists(work.resolve(f))) {
                    Files.copy(work.resolve(f), keep.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static int count(WebDriver web, String css) {
        try {
            return web.script("return document.querySelectorAll(\"" + css + "\").length").asInt();
        } catch (IOException e) {
            return -1;
        }
    }

    static String text(WebDriver web, String css) {
        try {
            return web.text(css);
        } catch (IOException e) {
            return "";
        }
    }

    static boolean visible(WebDriver web, String css) {
        try {
            return web.visible(css);
        } catch (IOException e) {
            return false;
        }
    }
}

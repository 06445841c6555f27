package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the build's baselining is wired: a copy of {@code io.cairn.hal.api} is released as 1.0.0
 * into a scratch repository, then rebuilt as 1.0.1-SNAPSHOT with a method removed from an API
 * interface. Without a package version bump Maven must fail; with package and bundle at 2.0.0 it must pass.
 */
class BaselineTest {

    private static final String GROUP = "io.cairn.selftest.baseline";

    @TempDir
    Path tmp;

    @Test
    void givenReleasedApi_whenIncompatibleChangeWithoutVersionBump_thenBuildFails() throws Exception {
        Path ws = tmp.resolve("ws");
        Path releases = tmp.resolve("releases");
        copyWorkspace(ws, releases);
        try {
            Proc release = mvn(ws, "deploy");
            assertThat(release.exitCode()).as("releasing 1.0.0: " + release.output()).isZero();

            setVersion(ws, "1.0.0", "1.0.1-SNAPSHOT");
            Proc unchanged = mvn(ws, "verify");
            assertThat(unchanged.exitCode()).as("an unchanged API baselines cleanly: " + unchanged.output()).isZero();

            Path blockDevice = ws.resolve("hal/io.cairn.hal.api/src/main/java/io/cairn/hal/api/BlockDevice.java");
            String original = Files.readString(blockDevice);
            String broken = original.replace("void flush() throws IOException;", "");
            assertThat(broken).isNotEqualTo(original);
            Files.writeString(blockDevice, broken);
            Proc incompatible = mvn(ws, "verify");
            assertThat(incompatible.exitCode()).as("removing BlockDevice.flush() without a major bump must fail").isNotZero();
            assertThat(incompatible.output()).contains("Baseline problems detected")
                    .containsPattern("\\* io\\.cairn\\.hal\\.api\\s+PACKAGE\\s+MAJOR\\s+1\\.0\\.0\\s+1\\.0\\.0\\s+2\\.0\\.0")
                    .contains("REMOVED          METHOD     flush()");

            Path pkgInfo = blockDevice.resolveSibling("package-info.java");
            Files.writeString(pkgInfo, Files.readString(pkgInfo).replace("@Version(\"1.0.0\")", "@Version(\"2.0.0\")"));
            setVersion(ws, "1.0.1-SNAPSHOT", "2.0.0-SNAPSHOT"); // the bundle version follows its largest API change
            Proc bumped = mvn(ws, "verify");
            assertThat(bumped.exitCode()).as("the same change with package and bundle version 2.0.0 is accepted: " + bumped.output()).isZero();
        } finally {
            deleteTree(Path.of(System.getProperty("cairn.m2")).resolve("io/cairn/selftest"));
        }
    }

    private Proc mvn(Path ws, String goal) throws IOException, InterruptedException {
        return Proc.run(Duration.ofMinutes(5), ws, Map.of("JAVA_HOME", System.getProperty("java.home"),
                "MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow"),
                List.of("mvn", "-B", "-ntp", goal, "-DskipTests", "-Dmaven.repo.local=" + System.getProperty("cairn.m2")));
    }

    private void copyWorkspace(Path ws, Path releases) throws IOException {
        Path root = Proc.ROOT;
        Files.createDirectories(ws);
        Files.copy(root.resolve("bnd.bnd"), ws.resolve("bnd.bnd"));
        copyTree(root.resolve("cnf"), ws.resolve("cnf"));
        copyTree(root.resolve("hal/io.cairn.hal.api/src"), ws.resolve("hal/io.cairn.hal.api/src"));
        Files.copy(root.resolve("hal/io.cairn.hal.api/bnd.bnd"), ws.resolve("hal/io.cairn.hal.api/bnd.bnd"));
        String version = System.getProperty("cairn.version");
        String rootPom = Files.readString(root.resolve("pom.xml"))
                .replaceAll("(?s)<modules>.*?</modules>", "<modules><module>hal/io.cairn.hal.api</module></modules>")
                .replace("<groupId>io.cairn</groupId>\n  <artifactId>cairn</artifactId>\n  <version>" + version + "</version>",
                        "<groupId>" + GROUP + "</groupId>\n  <artifactId>cairn</artifactId>\n  <version>1.0.0</version>")
                .replace("</project>", "  <distributionManagement><repository><id>selftest</id><url>"
                        + releases.toUri() + "</url></repository></distributionManagement>\n</project>");
        assertThat(rootPom).contains("<groupId>" + GROUP + "</groupId>");
        Files.writeString(ws.resolve("pom.xml"), rootPom);
        String modulePom = Files.readString(root.resolve("hal/io.cairn.hal.api/pom.xml"))
                .replace("<groupId>io.cairn</groupId><artifactId>cairn</artifactId><version>" + version + "</version>",
                        "<groupId>" + GROUP + "</groupId><artifactId>cairn</artifactId><version>1.0.0</version>");
        assertThat(modulePom).contains(GROUP);
        Files.writeString(ws.resolve("hal/io.cairn.hal.api/pom.xml"), modulePom);
    }

    private static void setVersion(Path ws, String from, String to) throws IOException {
        for (Path pom : List.of(ws.resolve("pom.xml"), ws.resolve("hal/io.cairn.hal.api/pom.xml"))) {
            String s = Files.readString(pom);
            Files.writeString(pom, s.replaceFirst(Pattern.quote("<version>" + from + "</version>"), "<version>" + to + "</version>"));
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}

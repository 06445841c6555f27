package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE §4: JNA, process execution and native calls live only in HAL bundles. Every main
 * source file outside {@code hal/} is scanned; test code may start processes.
 */
class LayeringTest {

    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\bProcessBuilder\\b|Runtime\\.getRuntime\\(\\)\\.exec|\\bcom\\.sun\\.jna\\b|System\\.load(Library)?\\(|\\bjava\\.lang\\.foreign\\b|\\bnative\\s+[\\w<>\\[\\]]+\\s+\\w+\\s*\\(");

    static List<String> violations(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = root.relativize(f).toString();
                if (rel.startsWith("hal/") || !rel.contains("/src/main/java/") || rel.contains("/target/")) {
                    continue;
                }
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (!line.startsWith("//") && !line.startsWith("*") && FORBIDDEN.matcher(line).find()) {
                        out.add(rel + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void noNativeCodeOrProcessExecutionOutsideTheHal() throws IOException {
        assertThat(violations(Proc.ROOT)).as("move these behind a HAL service (hal/*)").isEmpty();
    }

    @Test
    void givenAViolationOutsideTheHal_thenItIsReported() throws IOException {
        Path fake = Files.createTempDirectory("layering");
        Path src = Files.createDirectories(fake.resolve("bundles/io.cairn.x/src/main/java/io/cairn/x"));
        Files.writeString(src.resolve("Bad.java"), "class Bad { void f() throws Exception { new ProcessBuilder(\"ls\").start(); } }\n");
        Path hal = Files.createDirectories(fake.resolve("hal/io.cairn.hal.y/src/main/java/io/cairn/hal/y"));
        Files.writeString(hal.resolve("Ok.java"), "class Ok { void f() throws Exception { new ProcessBuilder(\"ls\").start(); } }\n");
        Path jna = Files.createDirectories(fake.resolve("bundles/io.cairn.z/src/main/java/io/cairn/z"));
        Files.writeString(jna.resolve("Jna.java"), "import com.sun.jna.Native;\nclass Jna { private native int f(); }\n");
        assertThat(violations(fake)).hasSize(3).allMatch(v -> v.startsWith("bundles/"));
    }
}

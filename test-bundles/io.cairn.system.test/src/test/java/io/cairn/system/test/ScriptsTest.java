package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's entry points behave on a machine without what they need. */
class ScriptsTest {

    @TempDir
    Path tmp;

    @Test
    void givenNoJdk25_whenAnyCommandNeedsJava_thenItSaysWhatToInstall() throws Exception {
        Proc p = Proc.run(Duration.ofSeconds(30), Proc.ROOT,
                Map.of("CAIRN_JDK_CANDIDATES", "/usr/lib/jvm/java-17-openjdk-amd64 " + tmp.resolve("no-jdk")),
                List.of(Proc.ROOT.resolve("cairn").toString(), "node", "start", "--home", tmp.resolve("h").toString(),
                        "--ip", "127.0.1.202"));
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.output()).contains("no JDK 25 found").contains("set JAVA_HOME");
        assertThat(tmp.resolve("h/boot")).doesNotExist();
    }

    @Test
    void givenUnknownCommand_thenUsageAndExit2() throws Exception {
        Proc p = Proc.cairn(Duration.ofSeconds(30), "frobnicate");
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.output()).contains("usage: cairn COMMAND").contains("demo").contains("test");
    }

    @Test
    void readmeStartsWithTheTwoCommandsAndCiRunsTheTestOne() throws Exception {
        String readme = Files.readString(Proc.ROOT.resolve("README.md"));
        String firstBlock = readme.substring(readme.indexOf("```") + 3, readme.indexOf("```", readme.indexOf("```") + 3));
        assertThat(firstBlock).contains("./cairn demo").contains("./cairn test");
        assertThat(Files.readString(Proc.ROOT.resolve(".ci/run"))).contains("./cairn test");
    }
}

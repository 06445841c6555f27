package io.cairn.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageToolTest {

    @TempDir
    Path tmp;
    ImageFixture fx;
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeEach
    void fixture() throws Exception {
        fx = new ImageFixture(tmp);
    }

    private int run(String... args) {
        stdout.reset();
        stderr.reset();
        return ImageTool.run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private int assemble() {
        return run("assemble", "--bndrun", fx.bndrun.toString(), "--bundles", fx.bundles.toString(), "--framework",
                fx.framework.toString(), "--launcher", fx.launcher.toString(), "--version", "1.2.3", "--out", fx.out.toString(),
                "--key", fx.key.toString());
    }

    @Test
    void givenGoodInputs_whenRunFromTheCommandLine_thenAssembleVerifyInstallAndVerifySlotSucceed() throws Exception {
        assertThat(assemble()).as(err()).isZero();
        assertThat(out()).contains("generated a development signing key " + fx.key).contains("assembled ");
        String keyId = SigningKeys.trusted(fx.pub).getFirst().keyId();
        Path archive = fx.out.resolve("cairn-appliance-1.2.3.tar.gz");

        assertThat(run("verify", "--archive", archive.toString(), "--trust", fx.pub.getParent().toString())).as(err()).isZero();
        assertThat(out()).isEqualTo("OK " + archive + ": version 1.2.3, 9 files, signed by key " + keyId + "\n");

        Path home = tmp.resolve("home");
        assertThat(run("install", "--archive", archive.toString(), "--home", home.toString(), "--slot", "A", "--trust",
                fx.pub.toString())).as(err()).isZero();
        assertThat(out()).contains("installed cairn-appliance-1.2.3").contains("slot A is the active slot");
        assertThat(home.resolve("boot")).hasContent("A");

        assertThat(run("verify-slot", "--home", home.toString(), "--slot", "A", "--trust", fx.pub.toString())).as(err()).isZero();
        assertThat(out()).startsWith("OK " + home.resolve("slots/A") + ": version 1.2.3, 9 files intact");

        assertThat(run("install", "--archive", archive.toString(), "--home", home.toString(), "--slot", "A", "--trust",
                fx.pub.toString(), "--force")).isEqualTo(1);
        assertThat(err()).contains("slot A is the active slot");
    }

    @Test
    void givenTamperedArchive_whenVerifiedFromTheCommandLine_thenExit1WithOneLineNamingIt() throws Exception {
        var o = fx.assemble();
        byte[] b = Files.readAllBytes(o.archive());
        b[b.length / 3] ^= 1;
        Files.write(o.archive(), b);
        assertThat(run("verify", "--archive", o.archive().toString(), "--trust", fx.pub.toString())).isEqualTo(1);
        assertThat(err()).startsWith("image verify: REJECTED " + o.archive() + ": sha256 mismatch").hasLineCount(1);
        assertThat(out()).isEmpty();
    }

    @Test
    void givenTamperedSlot_whenVerifiedFromTheCommandLine_thenExit1NamingTheFile() throws Exception {
        var o = fx.assemble();
        Path home = tmp.resolve("home");
        fx.installer().install(o.archive(), o.metadata(), o.signature(), home, "B", false);
        Path list = home.resolve("slots/B/bundles.list");
        Files.writeString(list, "bundles/evil.jar\n");
        assertThat(run("verify-slot", "--home", home.toString(), "--slot", "B", "--trust", fx.pub.toString())).isEqualTo(1);
        assertThat(err()).startsWith("image verify-slot: REJECTED " + list + ": sha256 mismatch").hasLineCount(1);
    }

    @Test
    void givenMissingRunBundle_whenAssembledFromTheCommandLine_thenExit1NamingIt() throws Exception {
        Files.writeString(fx.bndrun, "-runbundles: test.nothere;version='[1.0.0,1.0.1)'\n");
        assertThat(assemble()).isEqualTo(1);
        assertThat(err()).startsWith("image assemble: " + fx.bndrun + ": no jar in " + fx.bundles
                + " for run bundle test.nothere;version='[1.0.0,1.0.1)'").hasLineCount(1);
    }

    @Test
    void givenMissingTrustedKey_whenVerified_thenExit1NamingIt() {
        assertThat(run("verify", "--archive", "/nope.tar.gz", "--trust", "/nope.pub")).isEqualTo(1);
        assertThat(err()).isEqualTo("image verify: /nope.pub: trusted public key not found; pass --trust with the release"
                + " public key (.pub) or the folder that holds it\n");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                                   | a command is required
            frobnicate                                           | unknown command 'frobnicate'
            verify --archive                                     | --archive needs a value (the image .tar.gz)
            verify --archive a.tar.gz                            | --trust is required (a trusted .pub key or a folder of them)
            verify --archive a.tar.gz --trust k.pub --bogus x    | unknown option '--bogus' for verify
            verify --archive a.tar.gz --archive b.tar.gz         | --archive is given twice
            verify a.tar.gz                                      | unexpected argument 'a.tar.gz'
            install --archive a.tar.gz --home h --slot C --trust k | --slot 'C' must be A or B
            verify-slot --home h --trust k                       | --slot is required (A or B)
            assemble --version 1/2                               | --version '1/2' must be letters, digits
            assemble --version 1.0                               | --bndrun is required
            """)
    void givenBadArguments_whenRun_thenExit2WithAUsageMessage(String args, String message) {
        String[] argv = args.isBlank() ? new String[0] : args.trim().split("\\s+");
        assertThat(run(argv)).isEqualTo(2);
        assertThat(err().lines().findFirst().orElseThrow()).contains(message);
        assertThat(err()).contains("usage: ImageTool assemble");
        assertThat(out()).isEmpty();
    }

    @Test
    void givenHelp_whenRun_thenUsageOnStdoutAndExit0() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("ImageTool verify-slot --home DIR --slot A|B --trust PUB|DIR");
    }
}

package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void givenNoArguments_whenRun_thenUsageAndExitTwo() {
        Result r = run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("cluster create --nodes", "genesis stop SVC");
        assertThat(run("help").code()).isZero();
    }

    @Test
    void givenBadCreateArguments_whenRun_thenEachErrorSaysWhatToFix() {
        assertThat(run("cluster", "create").err()).contains("cluster create needs --nodes IP,IP,IP");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.1,127.0.1.2").err())
                .contains("127.0.1.1 is listed twice in --nodes");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,node2,127.0.1.3").err()).contains("'node2' in --nodes is not an IPv4 address");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.2,127.0.1.3", "--ft", "3").err()).contains("--ft must be 1 or 2");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.2,127.0.1.3", "--ft", "2").err())
                .contains("fault tolerance 2 needs at least 5 nodes");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.2,127.0.1.3", "--blocks", "127.0.1.9=A").err())
                .contains("--blocks names 127.0.1.9, which is not in --nodes");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.2,127.0.1.3", "--blocks", "A").err())
                .contains("--blocks takes IP=NAME pairs");
        assertThat(run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.2,127.0.1.3", "--name", "bad name!").err())
                .contains("cluster name 'bad name!' must be letters");
    }

    @Test
    void givenBadVolumeCommands_whenRun_thenEachErrorSaysWhatToFix() {
        assertThat(run("acli").err()).contains("acli needs a command, e.g. vg.list");
        assertThat(run("acli", "vg.frob", "x").err()).contains("acli knows vg.create").contains("not 'vg.frob'");
        assertThat(run("acli", "vg.create").err()).contains("vg.create takes the volume group's name first");
        assertThat(run("acli", "vg.attach_external", "vg1").err()).contains("the volume group's name and the initiator IQN");
        assertThat(run("acli", "vg.attach_external", "vg1", "initiator_secret=abcdefabcdef").err())
                .contains("the volume group's name and the initiator IQN");
        assertThat(run("acli", "vg.disk_create", "vg1", "500G").err()).contains("'500G' is not name=value");
        assertThat(run("ncli", "cluster", "edit-params").err()).contains("needs external-ip-address=IP or external-data-services-ip-address=IP");
        assertThat(run("ncli", "cluster", "edit-params", "cluster-name=x").err())
                .contains("takes external-ip-address=IP or external-data-services-ip-address=IP for now, not 'cluster-name=x'");
        assertThat(run("ncli", "cluster", "edit-params", "external-ip-address=10.0.0.40", "external-data-services-ip-address=10.0.0.50").err())
                .contains("sets one address per call");
    }

    @Test
    void givenAdminDirWithCredentials_whenCreateAgain_thenRefusedBeforeTouchingAnyNode() throws Exception {
        Files.writeString(tmp.resolve("cert.pem"), "x");
        Result r = run("cluster", "create", "--nodes", "127.0.1.1,127.0.1.2,127.0.1.3", "--admin", tmp.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("already holds a cluster's credentials; pass --admin NEWDIR");
    }

    @Test
    void givenCommandsWithoutTarget_whenRun_thenToldHowToPickAController() {
        assertThat(run("cluster", "status").err()).contains("say which controller: --home DIR, --node IP");
        assertThat(run("cluster", "status", "--home", tmp.toString()).err()).contains("is not running (no run/ready)");
        assertThat(run("cluster", "status", "--node", "127.0.1.1", "--admin", tmp.toString()).err())
                .contains("no admin credentials in " + tmp);
        assertThat(run("genesis", "stop").err()).contains("missing the service to stop");
        assertThat(run("frobnicate", "now").err()).contains("unknown command 'frobnicate now'");
        assertThat(run("cluster", "status", "--bogus").err()).contains("unknown option '--bogus'");
        assertThat(run("rpc", "x", "{not json").err()).contains("the request is not valid JSON");
    }

    @Test
    void givenHalFaultCommands_whenIncomplete_thenUsageSaysWhatIsMissing() {
        assertThat(run("help").out()).contains("hal fault inject DEVICE KIND", "smart_fail");
        assertThat(run("hal", "faults").err()).contains("hal knows 'fault list'");
        assertThat(run("hal", "fault").err()).contains("missing the action: list, inject or clear");
        assertThat(run("hal", "fault", "zap").err()).contains("hal fault knows list, inject and clear, not 'zap'");
        assertThat(run("hal", "fault", "inject").err()).contains("missing the device id");
        assertThat(run("hal", "fault", "inject", "n1-d0").err()).contains("missing the fault: eio, latency");
        assertThat(run("hal", "fault", "inject", "n1-d0", "eio", "op").err()).contains("'op' is not name=value");
        assertThat(run("hal", "fault", "clear").err()).contains("missing the device id, or * for every device");
        Result r = run("hal", "fault", "inject", "n1-d0", "eio", "op=read", "--home", tmp.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is not running (no run/ready)");
    }
}

package io.cairn.cli.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** Argument parsing, sizes, output formatting and error mapping of the REST CLIs (no server needed). */
class NcliTest {

    record Result(int code, String out, String err) {
    }

    static Result ncli(Map<String, String> env, String... args) {
        return shell(env, "", args);
    }

    static Result shell(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Ncli.run(args, new BufferedReader(new StringReader(stdin)), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new Terminal(env, q -> null));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result acli(Map<String, String> env, String... args) {
        return acliShell(env, "", args);
    }

    static Result acliShell(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Acli.run(args, new BufferedReader(new StringReader(stdin)), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new Terminal(env, q -> null));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void givenUnknownEntityActionOrKey_whenRun_thenUsageErrorNamingTheToken_exitTwo_beforeAnyConnection() {
        Map<String, String> env = Map.of();
        Result entity = ncli(env, "frob", "ls");
        assertThat(entity.code()).isEqualTo(2);
        assertThat(entity.err()).contains("unknown entity 'frob'").contains("ctr").contains("helpsys listall");
        Result action = ncli(env, "ctr", "explode");
        assertThat(action.code()).isEqualTo(2);
        assertThat(action.err()).contains("unknown action 'explode' for ctr (it has: ls, create, remove)");
        Result key = ncli(env, "ctr", "create", "name=c1", "colour=red");
        assertThat(key.code()).isEqualTo(2);
        assertThat(key.err()).contains("unknown key 'colour' for ctr create").contains("sp-name");
        assertThat(ncli(env, "ctr", "create", "rf=2").err()).contains("ctr create needs name=...");
        assertThat(ncli(env, "ctr", "create", "name").err()).contains("'name' is not key=value");
        assertThat(ncli(env, "ctr", "create", "name=").err()).contains("'name=' has no value");
        assertThat(ncli(env, "ctr", "create", "name=a", "name=b").err()).contains("'name' is given twice");
        assertThat(ncli(env, "ctr").err()).contains("ncli ctr needs an action: ls, create, remove");
        assertThat(ncli(env, "--frob", "ctr", "ls").err()).contains("unknown option '--frob'");
        assertThat(ncli(env, "-o", "yaml", "ctr", "ls").err()).contains("-o takes json or text, not 'yaml'");
    }

    @Test
    void givenBadRsyslogConfigArguments_whenRun_thenUsageErrorsSayWhatIsWrong_beforeAnyConnection() {
        Map<String, String> env = Map.of();
        Result port = ncli(env, "rsyslog-config", "add-server", "name=s1", "ip-address=127.0.1.250", "port=99999", "network-protocol=tcp");
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).contains("port=99999 is not a port number 1-65535");
        assertThat(ncli(env, "rsyslog-config", "add-server", "name=s1", "ip-address=127.0.1.250", "port=514", "network-protocol=sctp").err())
                .contains("network-protocol=sctp is not one of udp, tcp, tls");
        assertThat(ncli(env, "rsyslog-config", "add-server", "name=s1", "port=514", "network-protocol=tcp").err())
                .contains("rsyslog-config add-server needs ip-address=...");
        assertThat(ncli(env, "rsyslog-config", "add-module", "server-name=s1", "module-name=KERNEL").err())
                .contains("module-name=KERNEL does not exist; the only module is AUDIT");
        assertThat(ncli(env, "rsyslog-config", "explode").err()).contains("add-server").contains("ls-servers").contains("remove-server")
                .contains("add-module");
    }

    @Test
    void givenAPasswordOnTheCommandLine_whenRun_thenRefused() {
        Result r = ncli(Map.of(), "--password", "secret", "ctr", "ls");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("never taken on the command line").contains("CAIRN_PASSWORD");
    }

    @Test
    void givenNoServer_whenRun_thenUsageErrorSaysHowToName_one(@org.junit.jupiter.api.io.TempDir Path tmp) {
        Result r = ncli(Map.of("CAIRN_ADMIN", tmp.toString()), "ctr", "ls");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("pass --server HOST[:PORT]").contains("CAIRN_PRISM");
        Result noCa = ncli(Map.of("CAIRN_ADMIN", tmp.toString()), "--server", "127.0.0.1", "ctr", "ls");
        assertThat(noCa.err()).contains("no CA certificate at " + tmp.resolve("ca.pem")).contains("--cacert FILE");
    }

    @Test
    void givenHelpsys_whenListall_thenEveryCommandIsListed_withoutAServer() throws Exception {
        Result r = ncli(Map.of(), "helpsys", "listall");
        assertThat(r.code()).as(r.err()).isZero();
        for (String c : List.of("ncli cluster info", "ncli cluster edit-params external-ip-address=", "ncli ctr create name=NAME [sp-name=",
                "ncli vdisk create ctr=CTR name=NAME size=SIZE", "ncli user change-password", "ncli task abort id=ID",
                "ncli alert acknowledge id=ID", "ncli event ls", "ncli host ls", "ncli disk ls", "ncli sp ls", "ncli role ls")) {
            assertThat(r.out()).contains(c);
        }
        assertThat(r.out()).contains("    Command     : ncli cluster info\n    Description : the cluster");
        JsonNode json = PrismClient.JSON.readTree(ncli(Map.of(), "helpsys", "listall", "--json=true").out());
        assertThat(json.isArray()).isTrue();
        assertThat(json.size()).isEqualTo(Ncli.COMMANDS.size());
    }

    @Test
    void givenAShellOnStdin_whenCommandsAreRead_thenEachRuns_andErrorsDoNotStopIt() {
        Result r = shell(Map.of(), "helpsys listall\nfrob ls\n# comment\n\nhelpsys listall -o json\nexit\nhelpsys listall\n");
        assertThat(r.err()).contains("unknown entity 'frob'");
        assertThat(r.out()).contains("Command     : ncli cluster info").contains("\"command\" : \"ncli cluster info\"");
        assertThat(r.out().split("Command     : ncli cluster info", -1)).as("the command after exit did not run").hasSize(2);
        assertThat(r.code()).isZero();
    }

    @Test
    void givenSizes_whenParsed_thenBinaryUnits_bareIsBytesForNcliAndMiBForAcli() {
        assertThat(Sizes.parse("size", "10G", 1)).isEqualTo(10L << 30);
        assertThat(Sizes.parse("size", "10g", 1)).isEqualTo(10L << 30);
        assertThat(Sizes.parse("size", "10GiB", 1)).isEqualTo(10L << 30);
        assertThat(Sizes.parse("size", "512m", 1)).isEqualTo(512L << 20);
        assertThat(Sizes.parse("size", "4k", 1)).isEqualTo(4096);
        assertThat(Sizes.parse("size", "2T", 1)).isEqualTo(2L << 40);
        assertThat(Sizes.parse("size", "1P", 1)).isEqualTo(1L << 50);
        assertThat(Sizes.parse("size", "7E", 1)).isEqualTo(7L << 60);
        assertThat(Sizes.parse("size", "4096", 1)).isEqualTo(4096);
        assertThat(Sizes.parse("size", "4096B", 1 << 20)).isEqualTo(4096);
        assertThat(Sizes.parse("memory", "512", 1L << 20)).as("acli: bare = MiB").isEqualTo(512L << 20);
        assertThat(Sizes.parse("memory", "2G", 1L << 20)).isEqualTo(2048L << 20);
        for (String bad : List.of("", "G", "-1", "1.5G", "10X", "0", "9999999999E", "10 GB B")) {
            assertThatThrownBy(() -> Sizes.parse("size", bad, 1)).as(bad).isInstanceOf(CliException.class)
                    .hasMessageContaining("size=" + bad).extracting(e -> ((CliException) e).exitCode()).isEqualTo(2);
        }
        assertThat(Sizes.format(10L << 30)).isEqualTo("10 GiB");
        assertThat(Sizes.format(1536L << 20)).isEqualTo("1.50 GiB (1610612736 bytes)");
        assertThat(Sizes.format(100)).isEqualTo("100 bytes");
    }

    @Test
    void givenEntities_whenFormatted_thenBlocksOfPaddedKeys_idFirst_bytesHumanised_blankLineBetween() throws Exception {
        JsonNode a = PrismClient.JSON.readTree("""
                {"metadata": {"kind": "container", "uuid": "u-1", "version": 7},
                 "spec": {"name": "ctr1", "replication_factor": 2, "reserved_bytes": 0, "advertised_bytes": 10737418240},
                 "status": {"used_bytes": 4096, "vdisks": 3, "tags": ["a", "b"], "leaders": {"Curator": "127.0.1.1"}, "owner": null}}""");
        JsonNode b = PrismClient.JSON.readTree("{\"metadata\": {\"uuid\": \"u-2\"}, \"spec\": {\"name\": \"ctr2\"}, \"status\": {}}");
        String text = Output.blocks(List.of(Output.rows(a), Output.rows(b)));
        assertThat(text).isEqualTo("""
                    Id                 : u-1
                    Name               : ctr1
                    Replication Factor : 2
                    Reserved           : 0 bytes
                    Advertised         : 10 GiB
                    Used               : 4 KiB
                    Vdisks             : 3
                    Tags               : a, b
                    Leaders            : Curator=127.0.1.1
                    Owner              : -

                    Id                 : u-2
                    Name               : ctr2
                """);
        JsonNode cluster = PrismClient.JSON.readTree("{\"metadata\": {\"kind\": \"cluster\", \"uuid\": \"c-u\"}, \"spec\": {\"name\": \"c\"}, "
                + "\"status\": {\"id\": 42}}");
        assertThat(Output.blocks(List.of(Output.rows(cluster)))).isEqualTo("    Id         : c-u\n    Name       : c\n    Cluster Id : 42\n");
        assertThat(Output.table(List.of("Name", "IP"), List.of(List.of("n1", "127.0.1.1"), List.of("node-two", "127.0.1.2"))))
                .isEqualTo("Name      IP\nn1        127.0.1.1\nnode-two  127.0.1.2\n");
    }

    @Test
    void givenHttpErrors_whenMapped_then403IsPermissionDenied_andOtherwiseTheServersMessage() {
        CliException denied = PrismClient.error(403, "PERMISSION_DENIED", "viewer may not container:create", "POST /api/v1/containers");
        assertThat(denied.getMessage()).isEqualTo("permission denied: viewer may not container:create");
        assertThat(denied.exitCode()).isEqualTo(1);
        assertThat(PrismClient.error(403, "", "", "x").getMessage()).isEqualTo("permission denied");
        assertThat(PrismClient.error(409, "STALE_VERSION", "vDisk v1 changed since version 3", "x").getMessage())
                .isEqualTo("vDisk v1 changed since version 3");
        assertThat(PrismClient.error(500, "", "", "GET /api/v1/x").getMessage()).isEqualTo("GET /api/v1/x failed with HTTP 500");
        assertThat(PrismClient.error(401, "UNAUTHENTICATED", "bad password", "x").getMessage()).startsWith("not authenticated: bad password");
    }

    @Test
    void givenConnectionOptions_whenParsed_thenTakenOutOfTheWords_withDefaultsFromTheEnvironment() {
        List<String> args = new ArrayList<>(List.of("--server", "10.0.0.40", "ctr", "--user=alice", "ls", "--cacert", "/x/ca.pem"));
        Connection c = Connection.parse(args, Map.of("CAIRN_ADMIN", "/adm"));
        assertThat(args).containsExactly("ctr", "ls");
        assertThat(c.servers()).containsExactly("10.0.0.40:9440");
        assertThat(c.user()).isEqualTo("alice");
        assertThat(c.caFile()).isEqualTo(Path.of("/x/ca.pem"));
        Connection d = Connection.parse(new ArrayList<>(List.of("ctr", "ls")), Map.of("CAIRN_PRISM", "10.0.0.41:9441", "CAIRN_ADMIN", "/adm",
                "CAIRN_USER", "bob"));
        assertThat(d.servers()).containsExactly("10.0.0.41:9441");
        assertThat(d.caFile()).isEqualTo(Path.of("/adm/ca.pem"));
        assertThat(d.user()).isEqualTo("bob");
        assertThat(Connection.hostPort("fd00::1")).isEqualTo("[fd00::1]:9440");
        assertThatThrownBy(() -> Connection.hostPort("h:99999")).hasMessageContaining("the port must be 1-65535");
        assertThatThrownBy(() -> Connection.hostPort("https://h")).hasMessageContaining("is not HOST[:PORT]");
        assertThatThrownBy(() -> Connection.parse(new ArrayList<>(List.of("--server")), Map.of())).hasMessageContaining("--server needs a value");
    }

    @Test
    void givenAcli_whenVmOrUnknownCommands_thenNotAvailableYetOrUsage() {
        Result vm = acli(Map.of(), "vm.create", "testVM", "memory=2G");
        assertThat(vm.code()).isEqualTo(1);
        assertThat(vm.err()).contains("not available yet: vm.create needs the VM service (issue #11)");
        assertThat(acli(Map.of(), "net.list").err()).contains("not available yet: net.list needs the VM service (issue #11)");
        Result unknown = acli(Map.of(), "host.frob");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown command 'host.frob'");
        assertThat(acli(Map.of(), "hostlist").err()).contains("'hostlist' is not a command");
        assertThat(acli(Map.of(), "host.list", "x=1").err()).contains("host.list takes nothing, not 'x=1'");
        assertThat(acli(Map.of(), "--help").out()).contains("host.list");
        Result shell = acliShell(Map.of(), "-o json\nvm.on x\n'unclosed\n");
        assertThat(shell.err()).contains("acli: missing the command").contains("not available yet: vm.on").contains("unclosed quote");
        assertThat(shell.code()).as("the last command's status").isEqualTo(2);
    }
}

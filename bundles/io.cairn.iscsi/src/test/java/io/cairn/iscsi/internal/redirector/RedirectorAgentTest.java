package io.cairn.iscsi.internal.redirector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The redirector agent's settings, its portal list file and its failback request body. */
class RedirectorAgentTest {

    @TempDir
    Path home;

    @Test
    void givenALoopbackNode_whenNothingIsConfigured_thenItListensOnTheNodesHostSideAddress_andFailsBackAfter10s() {
        RedirectorAgent.Options o = RedirectorAgent.options(new String[] {"--home", home.toString(), "--ip", "127.0.1.7"});
        assertThat(o.listen()).isEqualTo(new InetSocketAddress("127.0.2.7", 3261));
        assertThat(o.failbackDelay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(RedirectorAgent.defaultListen("10.1.2.3")).isEqualTo("127.0.0.1:3261");
        assertThat(RedirectorAgent.defaultListen("127.0.1.250")).isEqualTo("127.0.2.250:3261");
    }

    @Test
    void givenThePropertiesFile_thenItsSettingsApply_andTheCommandLineWins() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve(RedirectorAgent.PROPERTIES),
                "iscsi_redirector_listen = 127.0.0.9:13261\niscsi_redirector_failback_delay_secs = 3\n");
        RedirectorAgent.Options o = RedirectorAgent.options(new String[] {"--home", home.toString(), "--ip", "127.0.1.7"});
        assertThat(o.listen()).isEqualTo(new InetSocketAddress("127.0.0.9", 13261));
        assertThat(o.failbackDelay()).isEqualTo(Duration.ofSeconds(3));
        o = RedirectorAgent.options(new String[] {"--home", home.toString(), "--ip", "127.0.1.7", "--listen", "127.0.0.8",
                "--failback-delay-secs", "0"});
        assertThat(o.listen()).isEqualTo(new InetSocketAddress("127.0.0.8", 3261));
        assertThat(o.failbackDelay()).isZero();
    }

    @Test
    void givenBadSettings_thenTheMessageNamesThem() throws Exception {
        assertThatThrownBy(() -> RedirectorAgent.options(new String[] {"--ip", "127.0.1.7"})).hasMessageContaining("--home");
        assertThatThrownBy(() -> RedirectorAgent.options(new String[] {"--home", home.toString(), "--ip", "127.0.1.7", "--port", "1"}))
                .hasMessageContaining("unknown argument '--port'");
        assertThatThrownBy(() -> RedirectorAgent.options(new String[] {"--home", home.toString(), "--ip", "127.0.1.7",
                "--failback-delay-secs", "-1"})).hasMessageContaining("iscsi_redirector_failback_delay_secs");
        assertThatThrownBy(() -> RedirectorAgent.options(new String[] {"--home", home.toString(), "--ip", "127.0.1.7", "--listen",
                "127.0.0.1:99999"})).hasMessageContaining("is not an address");
    }

    @Test
    void givenThePortalList_thenLocalAndRemotesAreRead_andAChangeIsSeen_andAMissingFileThrows() throws Exception {
        Path file = home.resolve("run/stargate-portals");
        PortalListFile list = new PortalListFile(file);
        assertThatThrownBy(list::get).isInstanceOf(UncheckedIOException.class).hasMessageContaining("no Stargate portal list");
        assertThat(RedirectorAgent.localPortal(list, "127.0.1.1")).isEqualTo(new InetSocketAddress("127.0.1.1", 3261));

        Files.createDirectories(file.getParent());
        Files.writeString(file, "# comment\nlocal 127.0.1.1:3261\nremote 127.0.1.2:3261\nremote 127.0.1.3:3262\n", StandardCharsets.UTF_8);
        assertThat(list.get()).containsExactly(new InetSocketAddress("127.0.1.2", 3261), new InetSocketAddress("127.0.1.3", 3262));
        assertThat(list.read().local()).contains(new InetSocketAddress("127.0.1.1", 3261));

        Files.writeString(file, "local 127.0.1.1:3261\nremote 127.0.1.4:3261\n", StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        assertThat(list.get()).containsExactly(new InetSocketAddress("127.0.1.4", 3261));

        Files.delete(file);
        assertThatThrownBy(list::get).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void givenAMalformedLine_thenParsingNamesIt() {
        assertThatThrownBy(() -> PortalListFile.parse("local 127.0.1.1:3261\nportal 127.0.1.2:3261\n"))
                .hasMessageContaining("line 2").hasMessageContaining("portal 127.0.1.2:3261");
        assertThat(PortalListFile.parse("remote [::1]:3261\n").remotes()).containsExactly(new InetSocketAddress("::1", 3261));
    }

    @Test
    void givenLogins_thenTheFailbackBodyIsJsonWithEveryPair() {
        String body = new String(RpcSessionEnder.body(Set.of(new SessionEnder.RedirectedLogin("iqn.a:\"x\\", "iqn.t"))),
                StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"sessions\":[{\"initiator\":\"iqn.a:\\\"x\\\\\",\"target\":\"iqn.t\"}]}");
        assertThat(new String(RpcSessionEnder.body(Set.of()), StandardCharsets.UTF_8)).isEqualTo("{\"sessions\":[]}");
        assertThat(List.of(RpcSessionEnder.jsonString("a\nb"))).containsExactly("\"a\\u000ab\"");
        assertThat(RpcSessionEnder.ended("{\"ended\" : 2}")).isEqualTo(2);
        assertThat(RpcSessionEnder.ended("{}")).isZero();
    }

    @Test
    void givenLoginsOfTwoInitiatorsToOneTarget_thenTheClaimBodyNamesTheTargetOnce() {
        String body = new String(RpcSessionEnder.claimBody(new java.util.LinkedHashSet<>(List.of(new SessionEnder.RedirectedLogin("iqn.a", "iqn.t"),
                new SessionEnder.RedirectedLogin("iqn.b", "iqn.t"), new SessionEnder.RedirectedLogin("iqn.a", "iqn.u")))), StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"targets\":[\"iqn.t\",\"iqn.u\"]}");
    }
}

package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.LoginDecision;

class VolumeCatalogTest {

    private static final String X = "iqn.2026-01.org.example:x";
    private static final String Y = "iqn.2026-01.org.example:y";
    private static final InetSocketAddress DSIP = new InetSocketAddress("127.0.1.140", 3260);

    private final FakeZeus zeus = new FakeZeus();
    private final FakeStargate stargate = new FakeStargate();
    private final VolumeStore store = new VolumeStore(zeus);
    private final VolumeService volumes = new VolumeService(store, stargate);
    private final FakeCluster cluster = new FakeCluster(store, stargate, "127.0.1.141", "127.0.1.142", "127.0.1.143");
    private final VolumeCatalog redirector = new VolumeCatalog(cluster, VolumeCatalog.Mode.REDIRECT, 3260, 1);
    private final VolumeCatalog node = new VolumeCatalog(cluster, VolumeCatalog.Mode.SERVE, 3260, 1);

    private VolumeGroup groupWithDisks(String name, int disks, String... initiators) {
        volumes.create(name, initiators.length > 1, null);
        for (int i = 0; i < disks; i++) {
            volumes.createDisk(name, FakeStargate.CONTAINER, "1M");
        }
        for (String iqn : initiators) {
            volumes.attach(name, iqn, null, null);
        }
        return volumes.get(name);
    }

    @Test
    void givenAGroupWithThreeDisksAttachedToX_whenXDiscovers_thenItSeesExactlyTgt0To2AtTheDsip_andYSeesNothing() {
        volumes.setDsip("127.0.1.140");
        VolumeGroup vg = groupWithDisks("vg1", 3, X);
        groupWithDisks("empty", 0, X);
        groupWithDisks("other", 2, Y);

        List<DiscoveredTarget> forX = redirector.discover(X, DSIP);

        assertThat(forX).extracting(DiscoveredTarget::name).containsExactly(Targets.name(vg, 0), Targets.name(vg, 1), Targets.name(vg, 2));
        assertThat(forX).allSatisfy(t -> assertThat(t.addresses()).containsExactly("127.0.1.140:3260,1"));
        assertThat(redirector.discover("iqn.2026-01.org.example:z", DSIP)).isEmpty();
        assertThat(node.discover(X.toUpperCase(), new InetSocketAddress("127.0.1.142", 3260))).extracting(DiscoveredTarget::name)
                .containsExactly(Targets.name(vg, 0), Targets.name(vg, 1), Targets.name(vg, 2));
    }

    @Test
    void givenNoDsip_whenDiscovered_thenTheAskedPortalIsTheAddress() {
        groupWithDisks("vg1", 1, X);

        assertThat(node.discover(X, new InetSocketAddress("127.0.1.142", 3260)).get(0).addresses()).containsExactly("127.0.1.142:3260,1");
    }

    @Test
    void givenALoginAtTheDsip_whenTheTargetExists_thenItIsRedirectedTemporarilyToTheRendezvousWinnersPortal() {
        VolumeGroup vg = groupWithDisks("vg1", 3, X);
        for (int k = 0; k < 3; k++) {
            String target = Targets.name(vg, k);
            NodeIdentity winner = Targets.affinity(target, cluster.nodes()).orElseThrow();

            LoginDecision d = redirector.login(X, target, DSIP);

            assertThat(d).isEqualTo(new LoginDecision.Redirect(winner.address() + ":3260,1", false));
        }
    }

    @Test
    void givenTheWinnerDown_whenLoggingInAtTheDsip_thenTheBestRankedHealthyNodeIsNamed_andWithNoneHealthyTheLoginWaits() {
        VolumeGroup vg = groupWithDisks("vg1", 1, X);
        String target = Targets.name(vg, 0);
        NodeIdentity winner = Targets.affinity(target, cluster.nodes()).orElseThrow();
        cluster.healthy.remove(winner.uuid());
        NodeIdentity second = Targets.serving(target, cluster.nodes(), cluster.healthy()).orElseThrow();

        assertThat(second).isNotEqualTo(winner);
        assertThat(redirector.login(X, target, DSIP)).isEqualTo(new LoginDecision.Redirect(second.address() + ":3260,1", false));
        cluster.healthy.clear();
        assertThat(redirector.login(X, target, DSIP)).isInstanceOfSatisfying(LoginDecision.Refuse.class,
                r -> assertThat(r.statusClass() << 8 | r.statusDetail()).isEqualTo(0x0301));
    }

    @Test
    void givenLoginsThatMustFail_whenDecided_then0x0203ForUnknownTargetsAnd0x0202ForInitiatorsNotAttached() {
        VolumeGroup vg = groupWithDisks("vg1", 2, X);
        String t0 = Targets.name(vg, 0);

        for (VolumeCatalog c : List.of(redirector, node)) {
            assertThat(status(c.login(Y, t0, DSIP))).isEqualTo(0x0202);
            assertThat(status(c.login(X, "iqn.2010-06.org.cairn:nope", DSIP))).isEqualTo(0x0203);
            assertThat(status(c.login(X, "iqn.2010-06.org.cairn:vg1-" + new java.util.UUID(1, 2) + "-tgt0", DSIP))).isEqualTo(0x0203);
            assertThat(status(c.login(X, Targets.name(vg, 5), DSIP))).isEqualTo(0x0203); // no disk 5: no tgt5
            assertThat(status(c.login(X, "iqn.2010-06.org.cairn:gone-" + vg.uuid() + "-tgt0", DSIP))).isEqualTo(0x0203);
        }
    }

    @Test
    void givenALoginAtANodePortal_whenAttached_thenItIsServedWithTheTargetsLuns_andTheAttachmentsChap() {
        volumes.create("vg1", false, "target-secret-1");
        for (int i = 0; i < 5; i++) {
            volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M");
        }
        volumes.attach("vg1", X, "initiator-sec", 2);
        VolumeGroup vg = volumes.get("vg1");

        LoginDecision d = node.login(X, Targets.name(vg, 0), new InetSocketAddress("127.0.1.143", 3260));

        assertThat(d).isInstanceOfSatisfying(LoginDecision.Serve.class, s -> {
            assertThat(s.luns()).extracting(LogicalUnit::lun).containsExactly(0, 1, 2);
            assertThat(s.luns()).extracting(LogicalUnit::luId).containsExactly(vg.disk(0).orElseThrow().vdisk().toString(),
                    vg.disk(2).orElseThrow().vdisk().toString(), vg.disk(4).orElseThrow().vdisk().toString());
            assertThat(s.chap()).hasValueSatisfying(c -> {
                assertThat(c.initiatorUser()).isEqualTo(X);
                assertThat(new String(c.initiatorSecret(), StandardCharsets.UTF_8)).isEqualTo("initiator-sec");
                assertThat(c.targetSecret()).hasValueSatisfying(t -> assertThat(new String(t, StandardCharsets.UTF_8)).isEqualTo("target-secret-1"));
            });
        });
        assertThat(node.login(X, Targets.name(vg, 2), DSIP)).isInstanceOf(LoginDecision.Refuse.class); // N=2: tgt0 and tgt1 only
    }

    private static int status(LoginDecision d) {
        assertThat(d).isInstanceOf(LoginDecision.Refuse.class);
        LoginDecision.Refuse r = (LoginDecision.Refuse) d;
        return r.statusClass() << 8 | r.statusDetail();
    }
}

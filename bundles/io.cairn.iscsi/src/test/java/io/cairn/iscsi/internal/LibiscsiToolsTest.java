package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.PortalOptions;

/**
 * Integration: a portal in this JVM on 127.0.0.1, driven by the real libiscsi tools (Debian
 * libiscsi-bin) as processes.
 */
class LibiscsiToolsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String CHAP_TARGET = "iqn.2010-06.org.cairn:chap-tgt";
    private static final String MUTUAL_TARGET = "iqn.2010-06.org.cairn:mutual-tgt";
    private static final byte[] SECRET = "initiator-secret".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TARGET_SECRET = "target-secret12".getBytes(StandardCharsets.US_ASCII);

    private PortalFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new PortalFixture();
        fixture.catalog.add("iqn.2010-06.org.cairn:test-tgt1", Optional.empty(), 8 << 20, 4 << 20);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void givenTwoTargets_whenIscsiLsShowsLuns_thenBothTargetsAndTheirLunSizesAreListed() throws Exception {
        Tools.Result r = Tools.run(TIMEOUT, "iscsi-ls", "-i", PortalFixture.INITIATOR, "-s", fixture.portalUrl());

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("Target:" + PortalFixture.TARGET, "Target:iqn.2010-06.org.cairn:test-tgt1");
        // iscsi-ls prints (last LBA × block size) rounded down to MiB: 64 MiB shows as 63M
        assertThat(r.output()).contains("Lun:0", "Lun:1", "(Size:63M)", "(Size:7M)", "(Size:3M)");
        PortalFixtureAwait.until(() -> fixture.portal.sessions().isEmpty()); // the session ends just after the logout response
    }

    @Test
    void givenALun_whenIscsiInq_thenTheStandardInquiryDataIsShown() throws Exception {
        Tools.Result r = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR, fixture.url(PortalFixture.TARGET, 0));

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("Vendor:CAIRN", "Product:RAMDISK TEST");
        // the session's target is closed after logout: just after the response the tool exits on
        PortalFixtureAwait.until(() -> fixture.engine.closes.get() == 1);
    }

    @Test
    void givenALun_whenIscsiInqAsksForTheSerialPage_thenTheVpdPageIsShown() throws Exception {
        Tools.Result r = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR, "-e", "1", "-c", "128",
                fixture.url(PortalFixture.TARGET, 0));

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).containsIgnoringCase("serial");
    }

    @Test
    void givenA64MiBLun_whenIscsiReadCapacity16_thenItReportsTheSizeIn512ByteBlocks() throws Exception {
        Tools.Result r = Tools.run(TIMEOUT, "iscsi-readcapacity16", "-i", PortalFixture.INITIATOR, fixture.url(PortalFixture.TARGET, 0));

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("LOGICAL BLOCK LENGTH IN BYTES:512", "RETURNED LOGICAL BLOCK ADDRESS:" + ((64 << 20) / 512 - 1),
                "Total size:" + (64 << 20));
    }

    @Test
    void givenChap_whenTheRightPasswordIsGiven_thenLoginSucceeds_andAWrongOneFails() throws Exception {
        fixture.catalog.add(CHAP_TARGET, Optional.of(new Chap("alice", SECRET, Optional.empty())), 1 << 20);

        Tools.Result good = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR,
                "iscsi://alice%initiator-secret@127.0.0.1:" + fixture.port() + "/" + CHAP_TARGET + "/0");
        Tools.Result wrong = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR,
                "iscsi://alice%wrong-secret-x@127.0.0.1:" + fixture.port() + "/" + CHAP_TARGET + "/0");
        Tools.Result none = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR,
                "iscsi://127.0.0.1:" + fixture.port() + "/" + CHAP_TARGET + "/0");

        assertThat(good.ok()).as(good.output()).isTrue();
        assertThat(good.output()).contains("Vendor:CAIRN");
        assertThat(wrong.ok()).as(wrong.output()).isFalse();
        assertThat(wrong.output()).containsIgnoringCase("auth");
        assertThat(none.ok()).as(none.output()).isFalse();
    }

    @Test
    void givenDiscoveryChap_whenIscsiLsHasAWrongPassword_thenDiscoveryFails() throws Exception {
        fixture.catalog.discoveryChap = Optional.of(new Chap("alice", SECRET, Optional.empty()));

        Tools.Result good = Tools.run(TIMEOUT, "iscsi-ls", "-i", PortalFixture.INITIATOR,
                "iscsi://alice%initiator-secret@127.0.0.1:" + fixture.port());
        Tools.Result wrong = Tools.run(TIMEOUT, "iscsi-ls", "-i", PortalFixture.INITIATOR,
                "iscsi://alice%not-the-secret@127.0.0.1:" + fixture.port());

        assertThat(good.ok()).as(good.output()).isTrue();
        assertThat(good.output()).contains("Target:" + PortalFixture.TARGET);
        assertThat(wrong.ok()).as(wrong.output()).isFalse();
    }

    @Test
    void givenMutualChap_whenTheInitiatorChecksTheTarget_thenBothDirectionsAuthenticate() throws Exception {
        fixture.catalog.add(MUTUAL_TARGET, Optional.of(new Chap("alice", SECRET, Optional.of(TARGET_SECRET))), 1 << 20);
        String url = "iscsi://alice%initiator-secret@127.0.0.1:" + fixture.port() + "/" + MUTUAL_TARGET + "/0";

        Tools.Result good = Tools.run(TIMEOUT, Map.of("LIBISCSI_CHAP_TARGET_USERNAME", "alice", "LIBISCSI_CHAP_TARGET_PASSWORD",
                "target-secret12"), List.of("iscsi-inq", "-i", PortalFixture.INITIATOR, url));
        Tools.Result wrongTarget = Tools.run(TIMEOUT, Map.of("LIBISCSI_CHAP_TARGET_USERNAME", "alice", "LIBISCSI_CHAP_TARGET_PASSWORD",
                "other-secret12"), List.of("iscsi-inq", "-i", PortalFixture.INITIATOR, url));

        assertThat(good.ok()).as(good.output()).isTrue();
        assertThat(wrongTarget.ok()).as("the initiator must not accept a target that does not know the target secret: "
                + wrongTarget.output()).isFalse();
    }

    @Test
    void givenARedirectDecision_whenIscsiInqLogsIn_thenItFollowsTheRedirectToTheSecondPortal() throws Exception {
        try (PortalFixture second = new PortalFixture(PortalOptions.defaults(TestCatalog.NO_RESERVATIONS))) {
            fixture.catalog.overrides.put(PortalFixture.TARGET, new LoginDecision.Redirect("127.0.0.1:" + second.port() + ",1", false));

            Tools.Result r = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR, fixture.url(PortalFixture.TARGET, 0));

            assertThat(r.ok()).as(r.output()).isTrue();
            assertThat(r.output()).contains("Vendor:CAIRN");
            PortalFixtureAwait.until(() -> second.engine.closes.get() == 1); // served (and logged out) by the second portal
            assertThat(fixture.engine.closes.get()).isZero();
        }
    }

    @Test
    void givenARefusal_whenIscsiInqLogsIn_thenItFails() throws Exception {
        fixture.catalog.overrides.put(PortalFixture.TARGET, new LoginDecision.Refuse(2, 2, "not attached"));

        Tools.Result r = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR, fixture.url(PortalFixture.TARGET, 0));
        Tools.Result unknown = Tools.run(TIMEOUT, "iscsi-inq", "-i", PortalFixture.INITIATOR, fixture.url("iqn.2010-06.org.cairn:nope", 0));

        assertThat(r.ok()).as(r.output()).isFalse();
        assertThat(r.output()).containsIgnoringCase("authoriz");
        assertThat(unknown.ok()).as(unknown.output()).isFalse();
        assertThat(unknown.output()).containsIgnoringCase("not found");
    }
}

package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Integration: libiscsi's conformance suite, the iSCSI family ({@code iscsi-test-cu --test=iSCSI}),
 * against a portal in this JVM over the real SCSI layer ({@code SbcEngine}) and RAM vDisks.
 */
class IscsiTestCuTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    /**
     * The iSCSI-family tests that must pass. Two are left out, both artefacts of libiscsi 1.19 (see readme):
     * iSCSIDataSnInvalid (after the connection drop ErrorRecoveryLevel 0 requires, libiscsi reconnects
     * without its use_immediate_data=No setting, so its third "bad DataSN" write carries immediate data
     * and rightly succeeds) and LUNResetSimpleAsync (asserts on a flag its TMF callback has not set yet;
     * fixed upstream by "test-tool/test_async_lu_reset_simple: Move an assert statement").
     */
    static final List<String> MUST_PASS = List.of("iSCSI.iSCSIcmdsn.iSCSICmdSnTooHigh", "iSCSI.iSCSIcmdsn.iSCSICmdSnTooLow",
            "iSCSI.iSCSIResiduals.Read10Invalid", "iSCSI.iSCSIResiduals.Read10Residuals", "iSCSI.iSCSIResiduals.Read12Residuals",
            "iSCSI.iSCSIResiduals.Read16Residuals", "iSCSI.iSCSIResiduals.Write10Residuals", "iSCSI.iSCSIResiduals.Write12Residuals",
            "iSCSI.iSCSIResiduals.Write16Residuals", "iSCSI.iSCSIResiduals.WriteVerify10Residuals",
            "iSCSI.iSCSIResiduals.WriteVerify12Residuals", "iSCSI.iSCSIResiduals.WriteVerify16Residuals",
            "iSCSI.iSCSITMF.AbortTaskSimpleAsync");

    private PortalFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = PortalFixture.sbc(); // the real SCSI layer: the residual tests write and read back through it
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void givenTheRamDiskTarget_whenIscsiTestCuRunsTheIscsiFamily_thenTheTransportTestsPass() throws Exception {
        Tools.Result list = Tools.run(TIMEOUT, "iscsi-test-cu", "--list");
        List<String> tests = list.output().lines().filter(l -> l.matches("iSCSI\\.[^.]+\\.[^.]+")).toList();
        assertThat(tests).as(list.output()).containsAll(MUST_PASS);
        Path logs = Files.createDirectories(Path.of("target", "iscsi-test-cu"));
        Map<String, Boolean> results = new LinkedHashMap<>();
        for (String test : tests) {
            Tools.Result r = Tools.run(TIMEOUT, "iscsi-test-cu", "--dataloss", "-v", "--test=" + test, "-i", PortalFixture.INITIATOR,
                    "-I", PortalFixture.INITIATOR + "-2", fixture.url(PortalFixture.TARGET, 0));
            Files.writeString(logs.resolve(test + ".log"), r.output());
            results.put(test, !r.timedOut() && passed(r.output()));
        }
        System.out.println("iscsi-test-cu iSCSI family: " + results);

        for (String test : MUST_PASS) {
            assertThat(results.get(test)).as(test + ", see target/iscsi-test-cu/" + test + ".log").isTrue();
        }
    }

    /** Whether CUnit's run summary says one test ran and none failed. */
    static boolean passed(String output) {
        Matcher m = Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(output);
        return m.find() && m.group(2).equals("1") && m.group(3).equals("1") && m.group(4).equals("0");
    }
}

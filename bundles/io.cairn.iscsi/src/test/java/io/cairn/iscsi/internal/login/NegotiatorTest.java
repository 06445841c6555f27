package io.cairn.iscsi.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class NegotiatorTest {

    private final Negotiator negotiator = new Negotiator(262144, 1048576, 65536);

    private Map<String, String> answer(String... kv) throws LoginException {
        Map<String, String> request = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            request.put(kv[i], kv[i + 1]);
        }
        return Negotiator.answerAll(negotiator, request);
    }

    @Test
    void givenNothingNegotiated_thenTheRfcDefaultsApply() {
        SessionParams p = negotiator.result();

        assertThat(p.initiatorMaxRecvDataSegment()).isEqualTo(8192);
        assertThat(p.maxBurst()).isEqualTo(262144);
        assertThat(p.firstBurst()).isEqualTo(65536);
        assertThat(p.immediateData()).isTrue();
        assertThat(p.initialR2T()).isTrue();
        assertThat(p.headerDigest() || p.dataDigest()).isFalse();
    }

    @Test
    void givenNumericalKeys_whenTheInitiatorOffersMore_thenTheMinimumOrMaximumFunctionApplies() throws Exception {
        Map<String, String> a = answer("MaxBurstLength", "16777215", "FirstBurstLength", "16777215", "DefaultTime2Wait", "0",
                "DefaultTime2Retain", "20", "MaxOutstandingR2T", "16", "ErrorRecoveryLevel", "2", "MaxRecvDataSegmentLength", "65536");

        assertThat(a).containsEntry("MaxBurstLength", "1048576").containsEntry("FirstBurstLength", "65536")
                .containsEntry("DefaultTime2Wait", "2").containsEntry("DefaultTime2Retain", "0").containsEntry("MaxOutstandingR2T", "1")
                .containsEntry("ErrorRecoveryLevel", "0").containsEntry("MaxRecvDataSegmentLength", "262144");
        SessionParams p = negotiator.result();
        assertThat(p.maxBurst()).isEqualTo(1048576);
        assertThat(p.firstBurst()).isEqualTo(65536);
        assertThat(p.initiatorMaxRecvDataSegment()).isEqualTo(65536);
    }

    @Test
    void givenAFirstBurstAboveTheMaxBurst_thenTheFirstBurstIsCappedByIt() throws Exception {
        answer("MaxBurstLength", "16384", "FirstBurstLength", "65536");

        assertThat(negotiator.result().firstBurst()).isEqualTo(16384);
    }

    @Test
    void givenBooleansAndLists_thenOrAndAndFunctionsAndTheFirstSupportedChoiceApply() throws Exception {
        Map<String, String> a = answer("InitialR2T", "No", "ImmediateData", "No", "DataPDUInOrder", "No", "HeaderDigest", "CRC32C,None",
                "DataDigest", "Adler,None", "OFMarker", "Yes");

        assertThat(a).containsEntry("InitialR2T", "Yes").containsEntry("ImmediateData", "No").containsEntry("DataPDUInOrder", "Yes")
                .containsEntry("HeaderDigest", "CRC32C").containsEntry("DataDigest", "None").containsEntry("OFMarker", "No");
        assertThat(negotiator.result().immediateData()).isFalse();
        assertThat(negotiator.result().headerDigest()).isTrue();
    }

    @Test
    void givenBadValuesAndUnknownKeys_thenRejectAndNotUnderstood() throws Exception {
        Map<String, String> a = answer("MaxBurstLength", "12", "ImmediateData", "maybe", "HeaderDigest", "MD5", "X-vendor.Key", "1",
                "Foo", "bar", "TargetAddress", "1.2.3.4");

        assertThat(a).containsEntry("MaxBurstLength", "Reject").containsEntry("ImmediateData", "Reject")
                .containsEntry("HeaderDigest", "Reject").containsEntry("X-vendor.Key", "NotUnderstood").containsEntry("Foo", "NotUnderstood")
                .containsEntry("TargetAddress", "Irrelevant");
    }

    @Test
    void givenADiscoverySession_thenNormalSessionKeysAreIrrelevant() throws Exception {
        negotiator.discovery(true);

        assertThat(answer("MaxBurstLength", "65536", "ImmediateData", "Yes", "HeaderDigest", "None")).containsEntry("MaxBurstLength",
                "Irrelevant").containsEntry("ImmediateData", "Irrelevant").containsEntry("HeaderDigest", "None");
    }

    @Test
    void givenAKeyNegotiatedTwice_thenTheLoginFails() throws Exception {
        answer("MaxBurstLength", "65536");

        assertThatThrownBy(() -> answer("MaxBurstLength", "65536")).isInstanceOf(LoginException.class);
    }

    @Test
    void givenLoginAndSecurityKeys_thenTheNegotiatorLeavesThemAlone() throws Exception {
        assertThat(answer("InitiatorName", "iqn.x", "AuthMethod", "CHAP", "CHAP_A", "5")).isEmpty();
    }
}

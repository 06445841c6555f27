package io.cairn.iscsi.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.Chap;

class ChapAuthenticatorTest {

    private static final byte[] SECRET = "initiator-secret".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TARGET_SECRET = "target-secret1".getBytes(StandardCharsets.US_ASCII);

    private final ChapAuthenticator chap = new ChapAuthenticator(new Chap("alice", SECRET, Optional.of(TARGET_SECRET)), new SecureRandom());

    private Map<String, String> step(String... kv) throws LoginException {
        Map<String, String> request = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            request.put(kv[i], kv[i + 1]);
        }
        Map<String, String> response = new LinkedHashMap<>();
        chap.step(request, response);
        return response;
    }

    @Test
    void givenMd5Offered_whenTheInitiatorAnswersCorrectly_thenAuthenticated() throws Exception {
        Map<String, String> challenge = step("CHAP_A", "7,5");
        assertThat(challenge).containsEntry("CHAP_A", "5").containsKeys("CHAP_I", "CHAP_C");
        byte[] c = TextKeys.binary(challenge.get("CHAP_C"));
        assertThat(c).hasSize(16);
        int id = Integer.parseInt(challenge.get("CHAP_I"));

        Map<String, String> done = step("CHAP_N", "alice", "CHAP_R", TextKeys.hex(ChapAuthenticator.md5(id, SECRET, c)));

        assertThat(done).isEmpty();
        assertThat(chap.done()).isTrue();
    }

    @Test
    void givenAWrongSecretOrName_thenAuthenticationFails() throws Exception {
        Map<String, String> challenge = step("CHAP_A", "5");
        byte[] c = TextKeys.binary(challenge.get("CHAP_C"));
        int id = Integer.parseInt(challenge.get("CHAP_I"));

        assertThatThrownBy(() -> step("CHAP_N", "alice", "CHAP_R", TextKeys.hex(ChapAuthenticator.md5(id, TARGET_SECRET, c))))
                .isInstanceOfSatisfying(LoginException.class, e -> assertThat(e.status()).isEqualTo(0x0201));
        ChapAuthenticator other = new ChapAuthenticator(new Chap("alice", SECRET, Optional.empty()), new SecureRandom());
        Map<String, String> r = new LinkedHashMap<>();
        other.step(Map.of("CHAP_A", "5"), r);
        byte[] c2 = TextKeys.binary(r.get("CHAP_C"));
        int id2 = Integer.parseInt(r.get("CHAP_I"));
        assertThatThrownBy(() -> other.step(Map.of("CHAP_N", "bob", "CHAP_R", TextKeys.hex(ChapAuthenticator.md5(id2, SECRET, c2))),
                new LinkedHashMap<>())).isInstanceOf(LoginException.class);
    }

    @Test
    void givenNoMd5_thenTheAlgorithmIsRejected() {
        Map<String, String> response = new LinkedHashMap<>();

        assertThatThrownBy(() -> chap.step(Map.of("CHAP_A", "6,7"), response)).isInstanceOf(LoginException.class);
        assertThat(response).containsEntry("CHAP_A", "Reject");
    }

    @Test
    void givenMutualChap_whenTheInitiatorChallenges_thenTheTargetAnswersWithItsSecret_andAReflectedChallengeIsRefused() throws Exception {
        Map<String, String> challenge = step("CHAP_A", "5");
        byte[] c = TextKeys.binary(challenge.get("CHAP_C"));
        int id = Integer.parseInt(challenge.get("CHAP_I"));
        byte[] mine = new byte[16];
        new SecureRandom().nextBytes(mine);

        Map<String, String> answer = step("CHAP_N", "alice", "CHAP_R", TextKeys.hex(ChapAuthenticator.md5(id, SECRET, c)), "CHAP_I", "9",
                "CHAP_C", TextKeys.hex(mine));

        assertThat(answer).containsEntry("CHAP_N", "alice").containsEntry("CHAP_R", TextKeys.hex(ChapAuthenticator.md5(9, TARGET_SECRET, mine)));

        ChapAuthenticator reflected = new ChapAuthenticator(new Chap("alice", SECRET, Optional.of(TARGET_SECRET)), new SecureRandom());
        Map<String, String> r = new LinkedHashMap<>();
        reflected.step(Map.of("CHAP_A", "5"), r);
        byte[] c2 = TextKeys.binary(r.get("CHAP_C"));
        int id2 = Integer.parseInt(r.get("CHAP_I"));
        assertThatThrownBy(() -> reflected.step(Map.of("CHAP_N", "alice", "CHAP_R", TextKeys.hex(ChapAuthenticator.md5(id2, SECRET, c2)),
                "CHAP_I", Integer.toString(id2), "CHAP_C", TextKeys.hex(c2)), new LinkedHashMap<>())).isInstanceOf(LoginException.class)
                .hasMessageContaining("reflected");
    }

    @Test
    void givenNoTargetSecret_whenTheInitiatorAsksForMutualChap_thenAuthenticationFails() throws Exception {
        ChapAuthenticator oneWay = new ChapAuthenticator(new Chap("alice", SECRET, Optional.empty()), new SecureRandom());
        Map<String, String> r = new LinkedHashMap<>();
        oneWay.step(Map.of("CHAP_A", "5"), r);
        byte[] c = TextKeys.binary(r.get("CHAP_C"));
        int id = Integer.parseInt(r.get("CHAP_I"));

        assertThatThrownBy(() -> oneWay.step(Map.of("CHAP_N", "alice", "CHAP_R", TextKeys.hex(ChapAuthenticator.md5(id, SECRET, c)),
                "CHAP_I", "1", "CHAP_C", "0x0102030405060708"), new LinkedHashMap<>())).isInstanceOf(LoginException.class);
    }
}

package io.cairn.iscsi.internal.login;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import io.cairn.storage.api.iscsi.Chap;

/**
 * The target side of CHAP (RFC 1994 as used by RFC 7143 §12.1.3) with MD5 (CHAP_A=5): a random
 * identifier and 16-byte challenge, the initiator's response checked in constant time, and for
 * mutual CHAP the initiator's challenge answered with the target secret under the name
 * {@link Chap#initiatorUser()} (the record has one user name for both directions). A reflected
 * challenge (the initiator sending back ours) is refused.
 */
public final class ChapAuthenticator {

    static final int CHALLENGE_LENGTH = 16;
    private static final int MAX_INITIATOR_CHALLENGE = 1024;

    private enum Step {
        ALGORITHM, RESPONSE, DONE
    }

    private final Chap chap;
    private final SecureRandom random;
    private Step step = Step.ALGORITHM;
    private int id;
    private byte[] challenge;

    public ChapAuthenticator(Chap chap, SecureRandom random) {
        this.chap = chap;
        this.random = random;
    }

    public boolean done() {
        return step == Step.DONE;
    }

    /**
     * Takes the CHAP keys of one login request and puts the answer into {@code response}.
     *
     * @throws LoginException 0x0201 on anything but a correct exchange
     */
    public void step(Map<String, String> request, Map<String, String> response) throws LoginException {
        switch (step) {
            case ALGORITHM -> {
                String algorithms = request.get("CHAP_A");
                if (algorithms == null) {
                    if (request.keySet().stream().anyMatch(k -> k.startsWith("CHAP_"))) {
                        throw fail("CHAP keys before CHAP_A");
                    }
                    return; // e.g. the AuthMethod PDU; CHAP_A comes next
                }
                if (!Arrays.asList(algorithms.split(",", -1)).contains("5")) {
                    response.put("CHAP_A", "Reject");
                    throw fail("the initiator offers no CHAP_A=5 (MD5) but " + algorithms);
                }
                id = random.nextInt(256);
                challenge = new byte[CHALLENGE_LENGTH];
                random.nextBytes(challenge);
                response.put("CHAP_A", "5");
                response.put("CHAP_I", Integer.toString(id));
                response.put("CHAP_C", TextKeys.hex(challenge));
                step = Step.RESPONSE;
            }
            case RESPONSE -> {
                String name = request.get("CHAP_N");
                byte[] answer = request.containsKey("CHAP_R") ? TextKeys.binary(request.get("CHAP_R")) : null;
                if (name == null || answer == null) {
                    throw fail("CHAP_N and CHAP_R missing or malformed");
                }
                byte[] expected = md5(id, chap.initiatorSecret(), challenge);
                boolean nameOk = MessageDigest.isEqual(name.getBytes(StandardCharsets.UTF_8),
                        chap.initiatorUser().getBytes(StandardCharsets.UTF_8));
                boolean responseOk = MessageDigest.isEqual(expected, answer);
                if (!(nameOk & responseOk)) {
                    throw fail("wrong CHAP name or response for user '" + name + "'");
                }
                String theirId = request.get("CHAP_I");
                String theirChallenge = request.get("CHAP_C");
                if (theirId != null || theirChallenge != null) {
                    mutual(theirId, theirChallenge, response);
                }
                step = Step.DONE;
            }
            case DONE -> {
                if (request.keySet().stream().anyMatch(k -> k.startsWith("CHAP_"))) {
                    throw fail("CHAP keys after the exchange ended");
                }
            }
        }
    }

    private void mutual(String theirId, String theirChallenge, Map<String, String> response) throws LoginException {
        Optional<byte[]> targetSecret = chap.targetSecret();
        if (targetSecret.isEmpty()) {
            throw fail("the initiator asks for mutual CHAP but no target secret is set");
        }
        long i = theirId == null ? -1 : TextKeys.number(theirId, 0, 255);
        byte[] c = theirChallenge == null ? null : TextKeys.binary(theirChallenge);
        if (i < 0 || c == null || c.length > MAX_INITIATOR_CHALLENGE) {
            throw fail("malformed mutual CHAP_I/CHAP_C");
        }
        if (MessageDigest.isEqual(c, challenge)) {
            throw fail("the initiator reflected the target's CHAP challenge");
        }
        response.put("CHAP_N", chap.initiatorUser());
        response.put("CHAP_R", TextKeys.hex(md5((int) i, targetSecret.get(), c)));
    }

    /** MD5(identifier ‖ secret ‖ challenge) (RFC 1994 §4.1). */
    static byte[] md5(int id, byte[] secret, byte[] challenge) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update((byte) id);
            md.update(secret);
            md.update(challenge);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a mandatory JDK algorithm", e);
        }
    }

    private static LoginException fail(String reason) {
        return new LoginException(LoginException.AUTHENTICATION_FAILURE, reason);
    }
}

package io.cairn.storage.api.iscsi;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * CHAP credentials a login must pass (RFC 7143 §12.1.3, CHAP_A=5, MD5): the initiator proves it
 * knows {@code initiatorSecret} under name {@code initiatorUser}; with a {@code targetSecret} the
 * target proves itself too (mutual CHAP). Secrets are 12 to 16 bytes (spec 50 §1) and the two must differ.
 */
public record Chap(String initiatorUser, byte[] initiatorSecret, Optional<byte[]> targetSecret) {

    public Chap {
        Objects.requireNonNull(initiatorUser, "initiatorUser");
        Objects.requireNonNull(targetSecret, "targetSecret");
        initiatorSecret = checkSecret("initiator", initiatorSecret);
        targetSecret = targetSecret.map(t -> checkSecret("target", t));
        if (targetSecret.isPresent() && Arrays.equals(initiatorSecret, targetSecret.get())) {
            throw new IllegalArgumentException("the mutual CHAP target secret must differ from the initiator secret; choose another one");
        }
    }

    /**
     * A copy of {@code secret} if it has 12 to 16 bytes (spec 50 §1), else IllegalArgumentException
     * naming {@code which} secret ("initiator", "target") and its length.
     */
    public static byte[] checkSecret(String which, byte[] secret) {
        Objects.requireNonNull(secret, which + " secret");
        if (secret.length < 12 || secret.length > 16) {
            throw new IllegalArgumentException("the CHAP " + which + " secret has " + secret.length
                    + " bytes; it must have 12 to 16 (spec 50 §1)");
        }
        return secret.clone();
    }

    @Override
    public byte[] initiatorSecret() {
        return initiatorSecret.clone();
    }

    @Override
    public Optional<byte[]> targetSecret() {
        return targetSecret.map(byte[]::clone);
    }
}

package io.cairn.security.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    /** RFC 9106 §5.3: the Argon2id test vector through the same Bouncy Castle generator. */
    @Test
    void givenRfc9106Inputs_whenArgon2id_thenTheRfcTag() {
        byte[] password = new byte[32];
        Arrays.fill(password, (byte) 1);
        byte[] salt = new byte[16];
        Arrays.fill(salt, (byte) 2);
        byte[] secret = new byte[8];
        Arrays.fill(secret, (byte) 3);
        byte[] ad = new byte[12];
        Arrays.fill(ad, (byte) 4);
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13).withSalt(salt)
                .withSecret(secret).withAdditional(ad).withMemoryAsKB(32).withIterations(3).withParallelism(4).build());
        byte[] tag = new byte[32];
        gen.generateBytes(password, tag);
        assertThat(HexFormat.of().formatHex(tag)).isEqualTo("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    }

    @Test
    void givenSpecParameters_whenHashed_thenPhcStringThatVerifiesOnlyTheRightPassword() {
        PasswordHasher h = new PasswordHasher(65536, 3, 1, new SecureRandom());
        long t0 = System.nanoTime();
        String phc = h.hash("Correct-Horse-1");
        long hashMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(phc).matches("\\$argon2id\\$v=19\\$m=65536,t=3,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        t0 = System.nanoTime();
        assertThat(h.verify("Correct-Horse-1", phc)).isTrue();
        long verifyMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(h.verify("Correct-Horse-2", phc)).isFalse();
        assertThat(h.hash("Correct-Horse-1")).as("a fresh salt each time").isNotEqualTo(phc);
        assertThat(h.needsRehash(phc)).isFalse();
        assertThat(new PasswordHasher(1024, 1, 1, new SecureRandom()).needsRehash(phc)).isFalse();
        assertThat(new PasswordHasher(131072, 3, 1, new SecureRandom()).needsRehash(phc)).isTrue();
        StringBuilder warm = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            t0 = System.nanoTime();
            h.verify("Correct-Horse-1", phc);
            warm.append(i == 0 ? "" : ", ").append((System.nanoTime() - t0) / 1_000_000);
        }
        System.out.println("Argon2id m=64MiB t=3 p=1: first hash " + hashMs + " ms, first verify " + verifyMs + " ms, then verify " + warm
                + " ms");
    }

    @Test
    void givenHashFromOtherParameters_whenVerified_thenTheStoredParametersAreUsed() {
        String phc = new PasswordHasher(1024, 1, 1, new SecureRandom()).hash("Pa55word!");
        assertThat(new PasswordHasher(65536, 3, 1, new SecureRandom()).verify("Pa55word!", phc)).isTrue();
    }
}

package io.cairn.security.auth.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * Argon2id password hashes in PHC form (spec 30 §9): {@code $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>}
 * with a 16-byte salt and a 32-byte hash, both unpadded standard Base64 (Bouncy Castle's
 * {@link Argon2BytesGenerator}). Verification takes the parameters from the stored string and compares
 * in constant time. The plaintext is never stored or logged.
 */
final class PasswordHasher {

    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    private final SecureRandom random;
    /**
     * A hash of nothing anyone knows, verified against for unknown users so they cost the same time;
     * made on first use (not while the component activates).
     */
    private volatile String decoy;

    PasswordHasher(int memoryKib, int iterations, int parallelism, SecureRandom random) {
        if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
            throw CairnException.invalid("Argon2id needs m >= 8*p KiB, t >= 1, p >= 1 (got m=" + memoryKib + ", t=" + iterations
                    + ", p=" + parallelism + ")");
        }
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
        this.random = random;
    }

    String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] out = limited(password.getBytes(StandardCharsets.UTF_8), salt, memoryKib, iterations, parallelism, HASH_BYTES);
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$" + B64.encodeToString(salt) + "$"
                + B64.encodeToString(out);
    }

    /** True when {@code password} matches the PHC string; a malformed string is INTERNAL (a corrupt store). */
    boolean verify(String password, String phc) {
        Parsed p = parse(phc);
        byte[] out = limited(password.getBytes(StandardCharsets.UTF_8), p.salt, p.m, p.t, p.p, p.hash.length);
        return MessageDigest.isEqual(out, p.hash);
    }

    /** Spends the time of one verification against a hash nobody knows (unknown user names). */
    void verifyDecoy(String password) {
        String d = decoy;
        if (d == null) {
            byte[] pw = new byte[32];
            random.nextBytes(pw);
            d = hash(B64.encodeToString(pw));
            decoy = d;
        }
        verify(password, d);
    }

    /** True when the stored hash uses weaker parameters than the configured ones. */
    boolean needsRehash(String phc) {
        Parsed p = parse(phc);
        return p.m < memoryKib || p.t < iterations;
    }

    /**
     * At most {@value #CONCURRENT} hashes at a time: each holds {@code m} KiB (64 MiB by default), so a
     * burst of logins queues instead of exhausting the controller's heap.
     */
    static final int CONCURRENT = 2;
    private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(CONCURRENT, true);

    private byte[] limited(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        slots.acquireUninterruptibly();
        try {
            return argon2id(password, salt, memoryKib, iterations, parallelism, length);
        } finally {
            slots.release();
        }
    }

    static byte[] argon2id(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism).build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        gen.generateBytes(password, out);
        return out;
    }

    private record Parsed(int m, int t, int p, byte[] salt, byte[] hash) {
    }

    static Parsed parse(String phc) {
        String[] parts = phc == null ? new String[0] : phc.split("\\$");
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            throw new CairnException(ErrorCode.INTERNAL, "a stored password hash is not an Argon2id v19 PHC string");
        }
        int m = 0, t = 0, p = 0;
        for (String kv : parts[3].split(",")) {
            String[] e = kv.split("=", 2);
            int v = e.length == 2 ? Integer.parseInt(e[1]) : 0;
            switch (e[0]) {
                case "m" -> m = v;
                case "t" -> t = v;
                case "p" -> p = v;
                default -> throw new CairnException(ErrorCode.INTERNAL, "unknown Argon2 parameter in a stored hash: " + e[0]);
            }
        }
        if (m < 8 || t < 1 || p < 1 || m > 1 << 20 || t > 64 || p > 64) {
            throw new CairnException(ErrorCode.INTERNAL, "a stored Argon2id hash has invalid parameters");
        }
        return new Parsed(m, t, p, B64D.decode(parts[4]), B64D.decode(parts[5]));
    }
}

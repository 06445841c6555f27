package io.cairn.storage.api.iscsi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Rendezvous (highest random weight) hashing of a target over candidates (spec 40 §7, spec 50 §1):
 * each candidate scores {@code SHA-256(key "|" candidate id)} (first 8 bytes, unsigned) and the
 * highest score ranks first. Every node computes the same order, and removing a candidate only moves
 * the keys it ranked first.
 */
public final class Rendezvous {

    private Rendezvous() {
    }

    /** The score of {@code member} for {@code key}; compare unsigned. */
    public static long score(String key, String member) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(key.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '|');
            sha.update(member.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * {@code members} (duplicates dropped) best first for {@code key}, each identified by {@code id}
     * (ties, which need equal hashes, by id).
     */
    public static <T> List<T> rank(String key, Collection<T> members, Function<T, String> id) {
        record Scored<T>(T member, String id, long score) {
        }
        return members.stream().distinct().map(m -> new Scored<>(m, id.apply(m), score(key, id.apply(m))))
                .sorted(Comparator.<Scored<T>, Long>comparing(Scored::score, Long::compareUnsigned).reversed().thenComparing(Scored::id))
                .map(Scored::member).toList();
    }
}

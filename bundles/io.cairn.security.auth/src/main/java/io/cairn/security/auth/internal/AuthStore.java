package io.cairn.security.auth.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The authentication documents in Zeus (JSON), cluster-wide: {@code auth/users/<name>},
 * {@code auth/roles/<name>} (custom roles), {@code auth/directories/<name>},
 * {@code auth/sessions/<sha-256 of token>}. Changes are compare-and-set on the document version,
 * re-read and re-applied when another node's change won.
 */
final class AuthStore {

    static final String USERS = "auth/users";
    static final String ROLES = "auth/roles";
    static final String DIRECTORIES = "auth/directories";
    static final String SESSIONS = "auth/sessions";
    static final String SYSLOG_SERVERS = "audit/syslog-servers";
    private static final int ATTEMPTS = 20;
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A local user. {@code history}: hashes of earlier passwords, newest first. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record UserDoc(String username, String hash, List<String> history, List<String> roles, int failures, long lockedUntilMs,
            boolean mustChange, long createdMs) {

        UserDoc {
            history = history == null ? List.of() : List.copyOf(history);
            roles = roles == null ? List.of() : List.copyOf(roles);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record RoleDoc(String name, String description, List<String> permissions) {
    }

    /**
     * A session: who; for directory users {@code groups} holds the roles its mappings gave at login (kept until it ends);
     * for local users {@code credential} is the fingerprint of the password hash it was opened with (null in sessions
     * written before it existed: not checked).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SessionDoc(String username, String provider, List<String> groups, long createdMs, long lastUsedMs, String credential) {

        SessionDoc {
            groups = groups == null ? List.of() : List.copyOf(groups);
        }
    }

    private final Zeus zeus;

    AuthStore(Zeus zeus) {
        this.zeus = zeus;
    }

    <T> Optional<T> read(String dir, String name, Class<T> type) {
        return zeus.read(dir + "/" + name).map(d -> decode(d, type));
    }

    <T> Optional<Versioned<T>> readVersioned(String dir, String name, Class<T> type) {
        return zeus.read(dir + "/" + name).map(d -> new Versioned<>(decode(d, type), d.version()));
    }

    record Versioned<T>(T value, int version) {
    }

    <T> List<T> list(String dir, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (String n : zeus.list(dir).stream().sorted().toList()) {
            read(dir, n, type).ifPresent(out::add);
        }
        return out;
    }

    List<String> names(String dir) {
        return zeus.list(dir).stream().sorted().toList();
    }

    /** Creates; ALREADY_EXISTS with {@code taken} as message when the name is taken. */
    void create(String dir, String name, Object value, String taken) {
        try {
            zeus.write(dir + "/" + name, encode(value), VersionedDocument.ABSENT);
        } catch (CairnException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                throw new CairnException(ErrorCode.ALREADY_EXISTS, taken);
            }
            throw e;
        }
    }

    /** Creates or replaces (compare-and-set against what was read). */
    void put(String dir, String name, Object value) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<VersionedDocument> cur = zeus.read(dir + "/" + name);
            try {
                zeus.write(dir + "/" + name, encode(value), cur.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                return;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, dir + "/" + name + " kept changing; try again");
    }

    /** Applies {@code change} to the stored value and writes it by compare-and-set; NOT_FOUND via {@code missing}. */
    <T> T update(String dir, String name, Class<T> type, UnaryOperator<T> change, String missing) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            VersionedDocument doc = zeus.read(dir + "/" + name).orElseThrow(() -> CairnException.notFound(missing));
            T next = change.apply(decode(doc, type));
            try {
                zeus.write(dir + "/" + name, encode(next), doc.version());
                return next;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, dir + "/" + name + " kept changing; try again");
    }

    /** Deletes if present; returns whether it was there. */
    boolean delete(String dir, String name) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<VersionedDocument> cur = zeus.read(dir + "/" + name);
            if (cur.isEmpty()) {
                return false;
            }
            try {
                zeus.delete(dir + "/" + name, cur.get().version());
                return true;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, dir + "/" + name + " kept changing while it was deleted; try again");
    }

    static <T> T decode(VersionedDocument d, Class<T> type) {
        try {
            return JSON.readValue(d.data(), type);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "Zeus document " + d.name() + " is not a valid " + type.getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    static byte[] encode(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}

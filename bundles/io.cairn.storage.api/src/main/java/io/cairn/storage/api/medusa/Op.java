package io.cairn.storage.api.medusa;

import java.util.Objects;

/** One operation of an atomic {@link Medusa#batch}. */
@org.osgi.annotation.versioning.ProviderType
public sealed interface Op {

    String key();

    record Put(String key, byte[] value) implements Op {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Put only if the key is at {@code expectedVersion} ({@link Medusa#ABSENT}: absent). */
    record Cas(String key, long expectedVersion, byte[] value) implements Op {
        public Cas {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Delete; with {@code expectedVersion} &lt; 0, unconditionally. */
    record Delete(String key, long expectedVersion) implements Op {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Changes nothing; fails the batch unless the key is at {@code expectedVersion}. */
    record Check(String key, long expectedVersion) implements Op {
        public Check {
            Objects.requireNonNull(key, "key");
        }
    }
}

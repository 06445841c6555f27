package io.cairn.storage.api.local;

import java.util.Arrays;
import java.util.Objects;

/** One write of an atomic {@link LocalMetadataStore#write}. Equal when keys and values hold equal bytes. */
@org.osgi.annotation.versioning.ProviderType
public sealed interface LocalWrite {

    byte[] key();

    /** Sets {@code key} to {@code value}. */
    record Put(byte[] key, byte[] value) implements LocalWrite {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Put p && Arrays.equals(key, p.key) && Arrays.equals(value, p.value);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Put[" + LocalEntry.printable(key) + ", " + value.length + " bytes]";
        }
    }

    /** Removes {@code key} (if present). */
    record Delete(byte[] key) implements LocalWrite {
        public Delete {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Delete d && Arrays.equals(key, d.key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Delete[" + LocalEntry.printable(key) + "]";
        }
    }

    static LocalWrite put(byte[] key, byte[] value) {
        return new Put(key, value);
    }

    static LocalWrite delete(byte[] key) {
        return new Delete(key);
    }
}

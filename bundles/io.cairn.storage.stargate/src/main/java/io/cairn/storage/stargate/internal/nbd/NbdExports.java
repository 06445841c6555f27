package io.cairn.storage.stargate.internal.nbd;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the server finds exports: by name when a client connects, and all names for
 * {@code NBD_OPT_LIST}. Looked up on every connection, so exports may come and go while the server
 * runs.
 */
public interface NbdExports {

    /** The export called {@code name} (the empty string is the client's "default export"). */
    Optional<NbdExport> find(String name);

    /** The names of all exports a client may list. */
    List<String> names();

    /** A fixed set of exports, for tests and tools. */
    static NbdExports of(NbdExport... exports) {
        Map<String, NbdExport> byName = new LinkedHashMap<>();
        for (NbdExport e : exports) {
            if (byName.putIfAbsent(e.name(), e) != null) {
                throw new IllegalArgumentException("two exports are called '" + e.name() + "'; export names must be unique");
            }
        }
        Map<String, NbdExport> fixed = Collections.unmodifiableMap(byName);
        List<String> names = List.copyOf(fixed.keySet());
        return new NbdExports() {
            @Override
            public Optional<NbdExport> find(String name) {
                return Optional.ofNullable(fixed.get(name));
            }

            @Override
            public List<String> names() {
                return names;
            }
        };
    }
}

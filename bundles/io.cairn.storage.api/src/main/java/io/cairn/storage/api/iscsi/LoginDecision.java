package io.cairn.storage.api.iscsi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** What a portal does with a normal (non-discovery) login, as its {@link TargetCatalog} decides (a closed set of records). */
@ProviderType
public sealed interface LoginDecision permits LoginDecision.Serve, LoginDecision.Redirect, LoginDecision.Refuse {

    /** Serve the target here: its LUNs, and the CHAP the login must pass (empty: none). */
    record Serve(String targetName, List<LogicalUnit> luns, Optional<Chap> chap) implements LoginDecision {
        public Serve {
            Objects.requireNonNull(targetName, "targetName");
            luns = List.copyOf(luns);
            Objects.requireNonNull(chap, "chap");
        }
    }

    /**
     * Send the initiator elsewhere before authentication: Login Response status class 0x01, detail
     * 0x01 (temporary) or 0x02 (permanent), with {@code TargetAddress=<address>} ({@code host:port,tpgt}).
     */
    record Redirect(String address, boolean permanent) implements LoginDecision {
        public Redirect {
            Objects.requireNonNull(address, "address");
        }
    }

    /**
     * Refuse: status class 0x02 (initiator error; e.g. detail 0x02 not authorized, 0x03 not found)
     * or 0x03 (target error; e.g. detail 0x01 service unavailable), {@code reason} for the log.
     */
    record Refuse(int statusClass, int statusDetail, String reason) implements LoginDecision {
        public Refuse {
            if (statusClass != 2 && statusClass != 3) {
                throw new IllegalArgumentException("a refusal has status class 2 or 3, not " + statusClass);
            }
        }
    }
}

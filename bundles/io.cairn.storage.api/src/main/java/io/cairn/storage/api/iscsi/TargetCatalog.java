package io.cairn.storage.api.iscsi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The targets a portal serves, implemented by the service that owns them. Called on the engine's
 * connection threads (virtual threads; blocking is fine), concurrently.
 */
@ConsumerType
public interface TargetCatalog {

    /** The targets {@code initiatorName} sees in a SendTargets answer on {@code portal}. */
    List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress portal);

    /** CHAP a discovery session of {@code initiatorName} must pass (empty: none). */
    Optional<Chap> discoveryChap(String initiatorName);

    /** Where a login of {@code initiatorName} to {@code targetName}, received on {@code portal}, goes. */
    LoginDecision login(String initiatorName, String targetName, InetSocketAddress portal);
}

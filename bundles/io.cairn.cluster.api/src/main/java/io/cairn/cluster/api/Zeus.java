package io.cairn.cluster.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Cluster configuration, membership, leader election and locks, backed by the Zookeeper ensemble
 * that runs inside the controllers. Available on every node of a configured cluster while the
 * ensemble has quorum; operations fail with UNAVAILABLE otherwise.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Zeus {

    /** The cluster configuration as Zeus holds it now. */
    ClusterConfig cluster();

    Optional<VersionedDocument> read(String document);

    /** Names of the documents directly under {@code prefix} ("" for the top level). */
    List<String> list(String prefix);

    /**
     * Compare-and-set: writes {@code data} if the document's version is {@code expectedVersion}
     * ({@link VersionedDocument#ABSENT} to create it).
     *
     * @throws io.cairn.common.error.CairnException CONFLICT when the version differs (re-read
     *         and retry), INVALID_ARGUMENT for a bad name, UNAVAILABLE without quorum
     */
    VersionedDocument write(String document, byte[] data, int expectedVersion);

    /** Deletes a document if its version is {@code expectedVersion}; CONFLICT otherwise. */
    void delete(String document, int expectedVersion);

    /**
     * Calls {@code listener} with the document's current state and after every change
     * (empty when it does not exist), in order, on a Zeus thread.
     */
    Registration watch(String document, Consumer<Optional<VersionedDocument>> listener);

    /** Announces a service on this node with some attributes (e.g. state, pid), until closed. */
    Presence announce(String service, java.util.Map<String, String> attributes);

    /** Every announced service on every live node. */
    List<ServicePresence> presences();

    /**
     * Joins the election for {@code role}; {@code listener} hears of each epoch this node wins and
     * loses. Closing the registration steps down.
     */
    Registration elect(String role, LeadershipListener listener);

    /** The current leader of every role that has one. */
    List<LeaderInfo> leaders();

    /** The role's current leader, if one holds it. */
    Optional<LeaderInfo> leader(String role);

    /**
     * Takes a cluster-wide lock, waiting up to {@code wait}.
     *
     * @throws io.cairn.common.error.CairnException TIMEOUT when it was not granted in time
     */
    ZeusLock lock(String name, Duration wait);
}

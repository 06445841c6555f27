package io.cairn.cluster.api;

/**
 * Leadership of one role for one epoch. Epochs of a role only grow: a new leader always holds a
 * higher epoch than every earlier one. Leader-only writes go through {@link #write}, which Zeus
 * rejects once a later epoch exists, so a paused or partitioned former leader cannot act.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Leadership {

    String role();

    long epoch();

    /**
     * True while this epoch is still the role's newest and the node's Zeus session is live. A
     * leader checks this before acting; {@link #write} is the fenced way to act.
     */
    boolean valid();

    /**
     * Compare-and-set on a document, applied only if this epoch is still the role's newest.
     *
     * @throws io.cairn.common.error.CairnException FAILED_PRECONDITION when leadership is lost,
     *         CONFLICT when the document's version is not {@code expectedVersion}
     */
    VersionedDocument write(String document, byte[] data, int expectedVersion);
}

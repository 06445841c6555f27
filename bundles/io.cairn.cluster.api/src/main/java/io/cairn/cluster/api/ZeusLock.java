package io.cairn.cluster.api;

/** A held cluster-wide lock; release with {@link #close()}. Lost if the holder's session ends. */
@org.osgi.annotation.versioning.ProviderType
public interface ZeusLock extends AutoCloseable {

    String name();

    @Override
    void close();
}

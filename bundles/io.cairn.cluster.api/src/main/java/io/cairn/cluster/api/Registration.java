package io.cairn.cluster.api;

/** Something registered with Zeus (a watch, a presence, an election candidacy); close to withdraw it. */
@org.osgi.annotation.versioning.ProviderType
public interface Registration extends AutoCloseable {

    @Override
    void close();
}

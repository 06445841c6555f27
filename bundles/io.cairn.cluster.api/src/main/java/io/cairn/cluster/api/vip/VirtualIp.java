package io.cairn.cluster.api.vip;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/** One virtual IP on this node; {@link #close()} releases it. Thread-safe. */
@ProviderType
public interface VirtualIp extends AutoCloseable {

    VirtualIpSpec spec();

    /**
     * Takes the address: in layer-2 mode adds it to the interface (idempotent) before returning, so
     * sockets can bind it at once, and starts the gratuitous ARPs. In loopback mode nothing is done.
     *
     * @return completes with the number of gratuitous ARPs sent (0 in loopback mode), or
     *         exceptionally with a {@link VirtualIpException} when they could not be sent
     * @throws VirtualIpException when the address cannot be added
     */
    CompletionStage<Integer> acquire();

    /**
     * Gives the address up: in layer-2 mode removes it from the interface (idempotent).
     *
     * @throws VirtualIpException when it cannot be removed
     */
    void release();

    /** Whether {@link #acquire()} succeeded and no {@link #release()} came after. */
    boolean held();

    /** Releases the address if held; failures are reported as by {@link #release()}. */
    @Override
    void close();
}

package io.cairn.hal.api.bmc;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/** Opens BMCs by address; a node (or Foundation) manages many. */
@ProviderType
public interface BmcConnector {

    /**
     * Connects to the BMC at {@code host:port} and authenticates. Wrong credentials, an unreachable
     * address and timeouts are IOExceptions saying which.
     */
    Bmc connect(String host, int port, String user, char[] password) throws IOException;
}

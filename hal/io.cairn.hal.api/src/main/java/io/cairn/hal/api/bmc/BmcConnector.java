package io.cairn.hal.api.bmc;

import org.osgi.annotation.versioning.ProviderType;

/** Opens BMCs by address; a node (or Foundation) manages many. */
@ProviderType
public interface BmcConnector {

    /** The standard IPMI-over-LAN (RMCP) port. */
    int IPMI_PORT = 623;

    /**
     * Connects to the BMC at {@code host:port} and authenticates; the returned {@link Bmc} authenticates
     * again for each operation, so it stays usable across BMC restarts. The password is copied.
     *
     * @throws BmcException with reason {@code AUTHENTICATION} for a wrong user or password,
     *         {@code UNREACHABLE} when nothing listens there, {@code TIMEOUT} when nothing answers
     */
    Bmc connect(String host, int port, String user, char[] password) throws BmcException;
}

package io.cairn.hal.api.vswitch;

import java.io.IOException;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The host's virtual switch. Configuration changes are transactions (all or nothing); flow tables
 * take OpenFlow rules in {@code ovs-ofctl} syntax (e.g. {@code priority=100,tcp,tp_dst=22,actions=drop}).
 * Unknown bridges or ports and duplicates are {@link IllegalArgumentException}s naming them.
 */
@ProviderType
public interface VirtualSwitch {

    /** Creates a bridge (userspace datapath) with the default flow {@code actions=NORMAL}. */
    void createBridge(String bridge) throws IOException;

    void deleteBridge(String bridge) throws IOException;

    List<String> bridges() throws IOException;

    void addPort(String bridge, PortSpec port) throws IOException;

    void addBond(String bridge, BondSpec bond) throws IOException;

    void deletePort(String bridge, String port) throws IOException;

    List<PortInfo> ports(String bridge) throws IOException;

    /** Mirrors all traffic of the bridge to {@code outputPort}. */
    void addMirror(String bridge, String mirror, String outputPort) throws IOException;

    /** Exports IPFIX flow records from the bridge to {@code target} ({@code host:port}). */
    void setIpfix(String bridge, String target) throws IOException;

    /** Replaces the whole flow table atomically: no packet ever sees a mix or an empty table. */
    void replaceFlows(String bridge, List<String> flows) throws IOException;

    void addFlows(String bridge, List<String> flows) throws IOException;

    /** Flows without statistics, as {@code ovs-ofctl dump-flows --no-stats} prints them. */
    List<String> dumpFlows(String bridge) throws IOException;
}

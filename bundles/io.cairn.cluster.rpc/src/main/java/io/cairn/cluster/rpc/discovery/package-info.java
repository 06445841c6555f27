/**
 * Discovery of factory nodes (spec 10 §5, §6): a small UDP protocol on the IPv6 link-local
 * multicast group {@value io.cairn.cluster.rpc.discovery.DiscoveryProtocol#GROUP} port
 * {@value io.cairn.cluster.rpc.discovery.DiscoveryProtocol#PORT} (query, unicast reply), and the
 * loopback registry, a directory of {@code <node-uuid>.json} adverts for nodes that share one machine.
 * Plain Java (no OSGi): used by the controller (genesis) and by the Foundation tool on a class path.
 */
@Export
@Version("1.0.0")
package io.cairn.cluster.rpc.discovery;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

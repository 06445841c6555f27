/** IPv4 addresses on this node's network interfaces and their announcement on the link (gratuitous ARP): what IP takeover needs. */
@Export
@Version("1.0.0")
package io.cairn.hal.api.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

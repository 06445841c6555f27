/** Cluster core API: node identity, fault domains, membership, cluster configuration, Zeus (configuration documents, presence, elections with fencing epochs, locks) and the role whiteboard Genesis supervises. */
@Export
@Version("1.1.0")
package io.cairn.cluster.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

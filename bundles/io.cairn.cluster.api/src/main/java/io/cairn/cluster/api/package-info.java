/** Cluster core API: node identity, fault domains and membership. */
@Export
@Version("1.0.0")
package io.cairn.cluster.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

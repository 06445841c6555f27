/**
 * Inter-node transport: mutual-TLS request/response and streaming calls between controllers,
 * the cluster CA and node credentials. There is no plain-text mode.
 */
@Export
@Version("1.5.0")
package io.cairn.cluster.rpc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

/**
 * Medusa: the cluster's storage metadata, a sharded, strictly consistent (linearizable per key)
 * key-value store. Keys are routed to shards by their routing part (see {@link io.cairn.storage.api.medusa.Medusa});
 * batches and prefix scans stay within one shard.
 */
@Export
@Version("1.0.0")
package io.cairn.storage.api.medusa;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

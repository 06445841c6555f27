/**
 * Resilient capacity (spec 20 §12): how much of the storage pool can be used while the cluster can
 * still restore its replication factor after losing FT fault domains, and the warning and critical
 * levels derived from it. Pure computation; the records serialise to JSON as they are for
 * {@code GET /api/storage/v1/cluster/resilient_capacity}.
 */
package io.cairn.storage.curator.internal.capacity;

/**
 * One Curator scan as pure functions (spec 20 §11, §21): {@link
 * io.cairn.storage.curator.internal.scan.ScanPlanner} turns the metadata's view of the extent
 * groups, the cluster's state and what each node's extent store really holds into re-replication,
 * surplus-replica and orphan tasks plus the scan's counters; {@link
 * io.cairn.storage.curator.internal.scan.MapTaskAssigner} spreads a scan's map tasks (one per
 * Medusa shard) over the nodes. Reading metadata, running the tasks and recording the results are
 * the wiring's job.
 */
package io.cairn.storage.curator.internal.scan;

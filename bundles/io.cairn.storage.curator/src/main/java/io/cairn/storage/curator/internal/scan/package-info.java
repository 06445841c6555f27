/**
 * Pure functions of a Curator scan (spec 20 §11, §21): {@link
 * io.cairn.storage.curator.internal.scan.Orphans} decides which physical replicas garbage
 * collection may delete; {@link io.cairn.storage.curator.internal.scan.MapTaskAssigner} spreads a
 * scan's map tasks (one per Medusa shard) over the nodes. Reading metadata, running the tasks and
 * recording the results are the components' job; where new replicas go is Stargate's (its peer
 * choice), not Curator's.
 */
package io.cairn.storage.curator.internal.scan;

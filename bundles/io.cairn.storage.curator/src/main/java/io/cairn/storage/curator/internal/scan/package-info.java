/**
 * The logic of a Curator scan (spec 20 §11, §21), free of OSGi and I/O: {@link
 * io.cairn.storage.curator.internal.scan.Orphans} decides which physical replicas garbage
 * collection may delete; {@link io.cairn.storage.curator.internal.scan.MapTaskAssigner} spreads a
 * scan's map tasks (one per Medusa shard) over the nodes; {@link
 * io.cairn.storage.curator.internal.scan.MapTask} is a node's map task and {@link
 * io.cairn.storage.curator.internal.scan.MapPhase} the leader's side of running them (over a
 * {@link io.cairn.storage.curator.internal.scan.ScanSource} and a remote-call function); {@link
 * io.cairn.storage.curator.internal.scan.ScanReduce} tallies their output. The RPC, Medusa and
 * Stargate calls and publishing the results are the components' job; where new replicas go is
 * Stargate's (its peer choice), not Curator's.
 */
package io.cairn.storage.curator.internal.scan;

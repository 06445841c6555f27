package io.cairn.storage.curator.internal.capacity;

import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.cairn.storage.api.stargate.StoragePool;

/**
 * The storage pool's resilient capacity now (spec 20 §12): the capacity of the online disks summed
 * per fault domain (a node, or the block it sits in), {@link ResilientCapacity} over it, and the
 * pool's usage against it.
 *
 * @param capacity the resilient capacity
 * @param usedBytes bytes in use in the pool (all replicas)
 * @param level OK, WARNING (at the warning threshold) or CRITICAL (above the resilient capacity: a
 *     fault-domain failure may not heal by itself)
 */
public record PoolCapacity(ResilientCapacity capacity, long usedBytes, ResilientCapacity.Level level) {

    /**
     * @param pool the storage pool as Stargate reports it
     * @param faultDomainOf each node's fault domain (itself at the node level, its block at the block level); a node
     *     missing here is its own domain
     * @param rf the highest replication factor of the containers
     * @param ft the fault-domain failures the cluster is built to survive
     */
    public static PoolCapacity of(StoragePool pool, Map<UUID, String> faultDomainOf, int rf, int ft) {
        Map<String, Long> perDomain = new TreeMap<>();
        long used = 0;
        for (StoragePool.Disk d : pool.disks()) {
            used += Math.max(0, d.usedBytes());
            if (d.online()) {
                perDomain.merge(faultDomainOf.getOrDefault(d.node(), d.node().toString()), Math.max(0, d.capacityBytes()), Long::sum);
            }
        }
        ResilientCapacity c = ResilientCapacity.compute(perDomain, rf, ft);
        return new PoolCapacity(c, used, c.level(used));
    }
}

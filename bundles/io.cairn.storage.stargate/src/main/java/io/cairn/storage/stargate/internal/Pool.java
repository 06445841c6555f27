package io.cairn.storage.stargate.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.ServicePresence;
import io.cairn.storage.api.stargate.StoragePool;

/**
 * The storage pool as the cluster sees it: every node's Stargate publishes its data disks (id,
 * tier, capacity, use, online) in its Zeus presence ({@value #DISKS} attribute, JSON); the pool is
 * their sum. A node whose Stargate is down contributes nothing until it returns.
 */
final class Pool {

    static final String DISKS = "disks";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Map<String, Object>>> LIST = new TypeReference<>() {
    };

    private Pool() {
    }

    static String encode(List<StoragePool.Disk> disks) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StoragePool.Disk d : disks) {
            out.add(Map.of("id", d.id(), "tier", d.tier(), "capacity", d.capacityBytes(), "used", d.usedBytes(), "online", d.online()));
        }
        try {
            return JSON.writeValueAsString(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static StoragePool of(UUID cluster, List<ServicePresence> stargates) {
        List<StoragePool.Disk> disks = new ArrayList<>();
        long capacity = 0;
        long used = 0;
        for (ServicePresence p : stargates) {
            String json = p.attributes().get(DISKS);
            if (json == null) {
                continue;
            }
            try {
                for (Map<String, Object> d : JSON.readValue(json, LIST)) {
                    StoragePool.Disk disk = new StoragePool.Disk(String.valueOf(d.get("id")), p.node(), String.valueOf(d.get("tier")),
                            ((Number) d.get("capacity")).longValue(), ((Number) d.get("used")).longValue(),
                            Boolean.TRUE.equals(d.get("online")));
                    disks.add(disk);
                    if (disk.online()) {
                        capacity += disk.capacityBytes();
                        used += disk.usedBytes();
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // a presence from another release or a torn attribute: that node counts as no disks
            }
        }
        return new StoragePool(cluster, "default-storage-pool", capacity, used, disks);
    }
}

package io.cairn.storage.stargate.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.clock.Clock;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.stargate.Container;
import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.StoragePool;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.catalog.Catalog;
import io.cairn.storage.stargate.internal.disks.HalDevices;
import io.cairn.storage.stargate.internal.disks.LocalDisks;
import io.cairn.storage.stargate.internal.disks.DiskHealth;
import io.cairn.storage.stargate.internal.estore.Scrubber;
import io.cairn.storage.stargate.internal.cache.UnifiedCache;
import io.cairn.common.alerts.AlertService;
import io.cairn.storage.stargate.internal.io.CapacityGuard;
import io.cairn.storage.stargate.internal.io.CapacityLevel;
import io.cairn.storage.api.layout.DriveLayout;
import io.cairn.storage.stargate.internal.io.CapacityStatus;
import io.cairn.storage.stargate.internal.io.WriteKind;
import io.cairn.storage.stargate.internal.vdisk.DataPath;
import io.cairn.storage.stargate.internal.vdisk.Peers;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.storage.api.local.LocalMetadataStore;
import java.time.Duration;

/**
 * Stargate on this node: the catalog of containers and vDisks (in Medusa), this node's data disks
 * (published in its Zeus presence {@value #PRESENCE}, which the storage pool sums) and the data path
 * ({@link DataPath}) of the vDisks this node owns.
 */
@Component(service = {Stargate.class, io.cairn.storage.api.stargate.ExtentGroups.class, StargateService.class}, immediate = true, configurationPid = StargateConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
@Designate(ocd = StargateConfig.class)
public final class StargateService implements Stargate, io.cairn.storage.api.stargate.ExtentGroups {

    static final String PRESENCE = Peers.PRESENCE;
    /**
     * Presence attribute: this node's data disks out of service (offline or removed, spec 20 §11),
     * comma-separated and sorted; empty when all serve. Curator starts a partial scan when it changes.
     */
    public static final String OFFLINE_DISKS = "offline_disks";
    /**
     * Presence attribute: how many of this node's extent-group replicas the scrubber found failing
     * their checksum and are not repaired yet (spec 20 §9).
     */
    public static final String SCRUB_SUSPECTS = "scrub_suspects";
    /**
     * Presence attribute: how many failing verifications the scrubber has made since this Stargate
     * started; republished at once when it grows. Curator starts a partial scan when it changes
     * while {@value #SCRUB_SUSPECTS} is not 0, and its scan repairs the replicas the inventory flags.
     */
    public static final String SCRUB_FOUND = "scrub_found";

    private final Logger logger = LoggerFactory.getLogger(StargateService.class);
    private final Zeus zeus;
    private final Catalog catalog;
    private final List<LocalDisks.Disk> disks;
    private final DataPath data;
    private final Presence presence;
    private final io.cairn.cluster.api.Registration settingsWatch;
    /** The node's own {@code vdisk_ownership_follow_secs} (the Zeus document may override it). */
    private final long followSecs;
    private final ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("stargate-presence").factory());
    private String published = "";
    private final CapacityGuard guard;
    private volatile CapacityStatus capacity;
    private final AlertService alerts;
    private final java.util.UUID self;
    /** The fill level last alerted on (from this node: the live Stargate with the lowest node id raises them). */
    private CapacityLevel alerted = CapacityLevel.NORMAL;
    private final Clock clock;
    /** {@link DataPath#userOps} and the clock's nanoTime at the last sample, and the rate between the last two samples. */
    private long userOpsSampled = -1;
    private long userOpsSampledAt;
    private volatile long userOpsPerSecond;
    /** This node's disks as the device layout sees them (null when they could not be read: logged). */
    private final io.cairn.storage.stargate.internal.disks.NodeDiskLayout diskLayout;

    @Activate
    public StargateService(@Reference ClusterJoin join, @Reference LocalNode local, @Reference Zeus zeus, @Reference Medusa medusa,
            @Reference LocalMetadataStore localMetadata, @Reference RpcClient rpc, @Reference Clock clock, @Reference AlertService alerts,
            @Reference HalDevices devices, StargateConfig config) throws Exception {
        this.zeus = zeus;
        this.alerts = alerts;
        this.clock = clock;
        this.self = join.self().uuid();
        this.catalog = new Catalog(medusa, zeus::cluster, clock::millis);
        Path home = local.home();
        this.devices = devices;
        List<LocalDisks.Disk> described = LocalDisks.open(home.resolve("data/disks"), config.default__disk__bytes());
        awaitDevices(described, devices, Duration.ofSeconds(config.hal__device__wait__secs()), clock);
        // a device-backed disk without a configured capacity counts its device's size (for the OpLog's share)
        this.disks = described.stream().map(d -> d.halDevice() == null || d.capacityBytes() > 0 || devices.get(d.halDevice()) == null ? d
                : new LocalDisks.Disk(d.id(), d.dir(), d.tier(), devices.get(d.halDevice()).capacityBytes(), d.halDevice())).toList();
        Duration timeout = Duration.ofSeconds(config.op__timeout__secs());
        Peers peers = new Peers(zeus, rpc, join.self().uuid(), timeout);
        this.guard = new CapacityGuard(75);
        long oplogBytes = oplogBytes(disks, config.oplog__bytes());
        Scrubber.Settings configured = StargateSettings.scrub(config);
        this.data = new DataPath(peers, medusa, catalog, localMetadata, disks, home.resolve("data/oplog"), oplogBytes,
                config.oplog__vdisk__baseline__bytes(), clock, timeout, this::checkUserWrite,
                UnifiedCache.sizeFor(Runtime.getRuntime().maxMemory(), config.unified__cache__bytes()),
                config.vdisk__distributed__oplog__skip__min__outstanding__write__bytes(), configured, devices::get);
        this.presence = zeus.announce(PRESENCE, attributes());
        data.onDiskStateChange(() -> timer.execute(this::publish)); // Curator hears of a disk failure at once
        // devices arriving late, leaving and coming back: attached and detached off the registering thread
        devices.addListener(deviceListener);
        devices.all().forEach(d -> timer.execute(() -> attach(d))); // any that arrived since the store opened
        data.scrubber().onChange(() -> timer.execute(this::publish)); // and of a replica the scrubber found bad
        this.followSecs = config.vdisk__ownership__follow__secs();
        data.followAfter(Duration.ofSeconds(followSecs));
        this.settingsWatch = zeus.watch(StargateSettings.DOCUMENT, doc -> applySettings(configured, doc));
        this.diskLayout = loadDiskLayout(home);
        timer.execute(this::publishDiskLayout);
        timer.scheduleWithFixedDelay(this::publish, 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::refreshCapacity, 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::sampleUserOps, 1, 1, TimeUnit.SECONDS);
        logger.info("Stargate serving {} data disk(s): {}; OpLog {} MiB", disks.size(),
                disks.stream().map(d -> d.id() + "=" + (d.halDevice() == null ? d.dir() : "hal:" + d.halDevice()) + " ("
                        + (d.capacityBytes() >> 20) + " MiB)").toList(), oplogBytes >> 20);
    }

    /** Smallest OpLog a node runs with: four segments. */
    static final long MIN_OPLOG_BYTES = 4 * DataPath.OPLOG_SEGMENT_BYTES;

    /**
     * The OpLog size: spec 20 §2's reservation summed over this node's flash disks (RF2 at most
     * until RF3 containers exist: a quarter of each disk, at most 400 GiB over all), capped by the
     * configured {@code oplog_bytes}, and at least {@link #MIN_OPLOG_BYTES}. A dev node's disks
     * are directories without Home or metadata on them, so their whole capacity counts as R.
     */
    static long oplogBytes(List<LocalDisks.Disk> disks, long configured) {
        List<LocalDisks.Disk> flash = disks.stream().filter(d -> !d.tier().equalsIgnoreCase("HDD")).toList();
        long layout = 0;
        for (LocalDisks.Disk d : flash) {
            layout += DriveLayout.oplogReservationBytes(2, flash.size(), d.capacityBytes());
        }
        return Math.max(MIN_OPLOG_BYTES, Math.min(configured, layout));
    }

    /** Applies the cluster-wide overrides of the Zeus document {@value StargateSettings#DOCUMENT} (or the node's own settings without it). */
    private void applySettings(Scrubber.Settings configured, Optional<io.cairn.cluster.api.VersionedDocument> doc) {
        try {
            data.scrubber().settings(doc.isEmpty() ? configured : StargateSettings.scrub(configured, doc.get().data()));
        } catch (IllegalArgumentException e) {
            logger.warn("{}; the scrubber keeps its settings {}", e.getMessage(), data.scrubber().settings());
        }
        try {
            Duration follow = Duration.ofSeconds(doc.isEmpty() ? followSecs : StargateSettings.followSecs(followSecs, doc.get().data()));
            if (!follow.equals(data.followAfter())) {
                logger.info("vdisk_ownership_follow_secs is {} now", follow.toSeconds());
            }
            data.followAfter(follow);
        } catch (IllegalArgumentException e) {
            logger.warn("{}; vdisk_ownership_follow_secs stays {}", e.getMessage(), data.followAfter().toSeconds());
        }
        try {
            long base = DiskHealth.DEFAULT_SMART_DELAY.toSeconds();
            Duration smart = Duration.ofSeconds(doc.isEmpty() ? base : StargateSettings.smartDelaySecs(base, doc.get().data()));
            if (!smart.equals(data.health().smartDelay())) {
                logger.info("disk_smart_delay_secs is {} now", smart.toSeconds());
            }
            data.health().smartDelay(smart);
        } catch (IllegalArgumentException e) {
            logger.warn("{}; disk_smart_delay_secs stays {}", e.getMessage(), data.health().smartDelay().toSeconds());
        }
    }

    /**
     * Serves the vDisk on this node now (the iSCSI redirector's failback: the VM runs here), asking
     * its owner elsewhere to hand it over (see {@link DataPath#claim}); whether this node owns it.
     */
    public boolean claim(UUID vdisk) {
        return data.claim(catalog.requireVDisk(vdisk));
    }

    /**
     * Waits (bounded) for the HAL devices the data disks name, so a provider registering its devices
     * just after Stargate does not make their disks start offline (which Curator would start
     * re-replicating); a device still missing after the wait is attached whenever it appears.
     */
    private void awaitDevices(List<LocalDisks.Disk> disks, HalDevices devices, Duration wait, Clock clock) throws InterruptedException {
        java.util.Set<String> wanted = new java.util.TreeSet<>();
        disks.stream().map(LocalDisks.Disk::halDevice).filter(java.util.Objects::nonNull).forEach(wanted::add);
        if (wanted.isEmpty()) {
            return;
        }
        java.util.Set<String> missing = devices.await(wanted, wait, clock);
        if (!missing.isEmpty()) {
            logger.info("HAL device(s) {} of this node's data disks not registered after {} s: those disks start offline and come "
                    + "online when their device appears (check the HAL provider's configuration, e.g. io.cairn.hal.sim.disk)",
                    missing, wait.toSeconds());
        }
    }

    private final HalDevices devices;
    private final HalDevices.Listener deviceListener = new HalDevices.Listener() {
        @Override
        public void added(io.cairn.hal.api.BlockDevice device) {
            timer.execute(() -> attach(device));
        }

        @Override
        public void removed(String deviceId) {
            timer.execute(() -> {
                if (data.estore().detachDevice(deviceId).isPresent()) {
                    publish();
                }
            });
        }
    };

    private void attach(io.cairn.hal.api.BlockDevice device) {
        try {
            if (data.estore().attachDevice(device).isPresent()) {
                publish();
            }
        } catch (RuntimeException e) {
            logger.info("could not attach HAL device {}: {}", device.id(), e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        devices.removeListener(deviceListener);
        settingsWatch.close();
        timer.shutdownNow();
        presence.close();
        data.close();
    }

    /** Publishes the disks' use every second when it changed (the pool's fill level that user writes are checked against). */
    private void publish() {
        try {
            Map<String, String> now = attributes();
            String key = now.toString();
            if (!key.equals(published)) {
                presence.update(now);
                published = key;
            }
        } catch (RuntimeException e) {
            logger.info("could not publish this node's disk use: {}", e.toString());
        }
    }

    private Map<String, String> attributes() {
        return Map.of(Pool.DISKS, Pool.encode(data.disks()), "free", Long.toString(data.free()),
                OFFLINE_DISKS, String.join(",", data.offlineDisks()),
                SCRUB_SUSPECTS, Integer.toString(data.scrubber().suspects().size()), SCRUB_FOUND, Long.toString(data.scrubber().found()));
    }

    /** Re-evaluates the pool's fill level (every second, off the I/O path). */
    private CapacityStatus refreshCapacity() {
        try {
            StoragePool p = pool();
            CapacityStatus s = guard.evaluate(p.usedBytes(), p.capacityBytes(), p.capacityBytes());
            capacity = s;
            alertOnChange(s);
            return s;
        } catch (RuntimeException e) {
            logger.debug("could not evaluate the pool's fill level: {}", e.toString());
            return capacity;
        }
    }

    /**
     * Raises an alert when the pool's fill level rises to a new level (spec 20 §12: warning at 75%
     * of resilient capacity, critical above it, critical "storage full" at 95% of the pool). Every
     * Stargate evaluates the pool; only the live one with the lowest node id raises, once per rise.
     */
    private synchronized void alertOnChange(CapacityStatus s) {
        CapacityLevel before = alerted;
        alerted = s.level();
        if (s.level().ordinal() <= before.ordinal() || s.level() == CapacityLevel.NORMAL) {
            return;
        }
        boolean mine = zeus.presences().stream().filter(p -> p.service().equals(PRESENCE)).map(ServicePresence::node)
                .min(java.util.Comparator.naturalOrder()).map(self::equals).orElse(false);
        if (mine) {
            try {
                alerts.raise("stargate", s.level().severity(), "Storage pool " + s.level().name().toLowerCase().replace('_', ' '),
                        s.message());
            } catch (RuntimeException e) {
                logger.warn("could not raise the storage-pool alert ({}): {}", s.message(), e.toString());
            }
        }
    }

    /** User writes stop at 95% of the pool (spec 20 §12), as last evaluated (at most a second ago). */
    private void checkUserWrite() {
        CapacityStatus s = capacity;
        if (s == null) {
            s = refreshCapacity();
        }
        if (s == null) {
            return;
        }
        try {
            CapacityGuard.checkWrite(s, WriteKind.USER);
        } catch (RuntimeException e) {
            throw new io.cairn.storage.api.stargate.StargateException(io.cairn.storage.api.stargate.StargateException.Reason.STORAGE_FULL,
                    e.getMessage(), e);
        }
    }

    /** Samples the user operations of the vDisks this node serves (every second, off the I/O path). */
    private void sampleUserOps() {
        long ops = data.userOps();
        long at = clock.nanoTime();
        long before = userOpsSampled;
        long elapsed = at - userOpsSampledAt;
        userOpsSampled = ops;
        userOpsSampledAt = at;
        if (before >= 0 && elapsed > 0) {
            userOpsPerSecond = Math.max(0, ops - before) * 1_000_000_000L / elapsed; // a vDisk that moved away drops the sum: 0 then
        }
    }

    @Override
    public long userOpsPerSecond() {
        return userOpsPerSecond;
    }

    /** The 2009 page essentials of this node (see {@link DataPath#page}) and its device layout at the current RF. */
    public Map<String, Object> page() {
        Map<String, Object> page = data.page();
        if (diskLayout != null) {
            com.fasterxml.jackson.databind.node.ObjectNode layout = diskLayout.view(layoutRf());
            page.put("layout", layout);
            page.put("text", page.get("text") + layout.path("text").asText());
        }
        return page;
    }

    /** The RF the device layout is computed for: the highest container RF (2 or 3). */
    int layoutRf() {
        return io.cairn.storage.stargate.internal.disks.NodeDiskLayout.layoutRf(containers());
    }

    private io.cairn.storage.stargate.internal.disks.NodeDiskLayout loadDiskLayout(Path home) {
        try {
            return io.cairn.storage.stargate.internal.disks.NodeDiskLayout.of(home, disks);
        } catch (java.io.IOException | RuntimeException e) {
            logger.warn("the device layout of this node could not be read from {} ({}); it is not shown", home.resolve(
                    io.cairn.storage.stargate.internal.disks.NodeDiskLayout.LAYOUT_FILE), e.toString());
            return null;
        }
    }

    /** Writes this node's disks to Zeus for Prism's {@code /hosts/{uuid}/disk_layout} (retried by the timer until it lands). */
    private void publishDiskLayout() {
        if (diskLayout == null) {
            return;
        }
        String doc = io.cairn.storage.stargate.internal.disks.NodeDiskLayout.document(self);
        byte[] json = diskLayout.toJson();
        try {
            Optional<io.cairn.cluster.api.VersionedDocument> now = zeus.read(doc);
            if (now.isPresent() && java.util.Arrays.equals(now.get().data(), json)) {
                return;
            }
            zeus.write(doc, json, now.map(io.cairn.cluster.api.VersionedDocument::version).orElse(io.cairn.cluster.api.VersionedDocument.ABSENT));
        } catch (RuntimeException e) {
            logger.debug("device layout not published yet ({}); retrying in 10 s", e.toString());
            timer.schedule(this::publishDiskLayout, 10, TimeUnit.SECONDS);
        }
    }

    @Override
    public StoragePool pool() {
        List<ServicePresence> stargates = zeus.presences().stream().filter(p -> p.service().equals(PRESENCE)).toList();
        return Pool.of(zeus.cluster().uuid(), stargates);
    }

    @Override
    public List<Container> containers() {
        Map<UUID, long[]> use = new HashMap<>();
        for (Catalog.VDiskRecord v : catalog.vdisks(null)) {
            long[] u = use.computeIfAbsent(v.container(), k -> new long[2]);
            u[1]++;
        }
        List<Container> out = new ArrayList<>();
        for (Catalog.ContainerRecord c : catalog.containers()) {
            long[] u = use.getOrDefault(c.uuid(), new long[2]);
            out.add(Catalog.toContainer(c, u[0], (int) u[1]));
        }
        return out;
    }

    /**
     * As {@link #containers}, with each container's use: the bytes its vDisks' extent-group records
     * hand out (1 MiB per slot) on every replica, read from Medusa (one prefix scan per vDisk, so only
     * for {@code ncli ctr ls}). Extent groups whose vBlocks were all unmapped count until Curator frees
     * them.
     */
    public List<Container> containersWithUsage() {
        Map<UUID, long[]> use = new HashMap<>();
        for (Catalog.VDiskRecord v : catalog.vdisks(null)) {
            long[] u = use.computeIfAbsent(v.container(), k -> new long[2]);
            u[1]++;
            for (io.cairn.storage.api.stargate.ExtentGroups.ExtentGroup g : data.extentGroups(v.uuid())) {
                u[0] += g.bytes() * g.replicas().size();
            }
        }
        List<Container> out = new ArrayList<>();
        for (Catalog.ContainerRecord c : catalog.containers()) {
            long[] u = use.getOrDefault(c.uuid(), new long[2]);
            out.add(Catalog.toContainer(c, u[0], (int) u[1]));
        }
        return out;
    }

    @Override
    public Optional<Container> container(String name) {
        return containers().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    @Override
    public Container createContainer(ContainerSpec spec) {
        Catalog.ContainerRecord r = catalog.createContainer(spec);
        logger.info("created container {} (RF{})", r.name(), r.replicationFactor());
        return Catalog.toContainer(r, 0, 0);
    }

    @Override
    public void deleteContainer(String name) {
        catalog.deleteContainer(name);
        logger.info("removed container {}", name);
    }

    @Override
    public List<VDisk> vdisks(String container) {
        Catalog.ContainerRecord c = catalog.requireContainer(container);
        return catalog.vdisks(c.uuid()).stream().map(r -> r.toVDisk(data.owner(r.uuid()))).toList();
    }

    @Override
    public List<VDisk> vdisks() {
        return catalog.vdisks(null).stream().map(r -> r.toVDisk(data.owner(r.uuid()))).toList();
    }

    @Override
    public Optional<VDisk> vdisk(UUID vdisk) {
        return catalog.vdisk(vdisk).map(r -> r.toVDisk(data.owner(r.uuid())));
    }

    @Override
    public Optional<VDisk> vdisk(String container, String name) {
        return catalog.vdisk(container, name).map(r -> r.toVDisk(data.owner(r.uuid())));
    }

    @Override
    public VDisk createVDisk(String container, String name, long sizeBytes) {
        Catalog.VDiskRecord r = catalog.createVDisk(container, name, sizeBytes);
        logger.info("created vDisk {}/{} ({} bytes, RF{})", container, name, sizeBytes, r.replicationFactor());
        return r.toVDisk(null);
    }

    @Override
    public VDisk resizeVDisk(UUID vdisk, long sizeBytes) {
        Catalog.VDiskRecord r = catalog.resizeVDisk(vdisk, sizeBytes);
        data.resized(r);
        return r.toVDisk(data.owner(vdisk));
    }

    @Override
    public void deleteVDisk(UUID vdisk) {
        Catalog.VDiskRecord r = catalog.requireVDisk(vdisk);
        data.deleted(r);
        catalog.deleteVDisk(vdisk);
        logger.info("removed vDisk {}/{}", r.containerName(), r.name());
    }

    @Override
    public VDiskIo open(UUID vdisk) {
        return data.open(catalog.requireVDisk(vdisk));
    }

    @Override
    public List<ExtentGroup> list(UUID vdisk) {
        catalog.requireVDisk(vdisk);
        return data.extentGroups(vdisk);
    }

    @Override
    public int metadataShard(UUID vdisk) {
        return data.metadataShard(vdisk);
    }

    @Override
    public List<Replica> replicas(UUID node) {
        return data.inventory(node);
    }

    @Override
    public java.util.Set<UUID> liveNodes() {
        return data.peers().alive();
    }

    @Override
    public ScrubResult scrub(UUID node) {
        return data.scrub(node);
    }

    @Override
    public void deleteReplica(UUID node, long egroup) {
        data.deleteReplica(node, egroup);
    }

    @Override
    public boolean deleteReplicaIfUnwrittenSince(UUID node, long egroup, java.time.Instant since) {
        return data.deleteReplicaIfUnwrittenSince(node, egroup, since);
    }

    @Override
    public Protection protect(UUID vdisk, long egroup) {
        return data.protect(catalog.requireVDisk(vdisk), egroup);
    }

    @Override
    public List<Long> unreferenced(UUID vdisk) {
        catalog.requireVDisk(vdisk);
        return data.unreferenced(vdisk);
    }

    @Override
    public List<Long> reclaim(UUID vdisk, List<Long> egroups) {
        return data.reclaim(catalog.requireVDisk(vdisk), egroups);
    }

    /** The vDisk's owner now (see {@link DataPath#ownerNow}). */
    public Optional<UUID> ownerNow(UUID vdisk) {
        return data.ownerNow(vdisk);
    }

    /** A member node's address. */
    public String nodeAddress(UUID node) {
        return data.peers().address(node);
    }

    Catalog catalog() {
        return catalog;
    }

    DataPath data() {
        return data;
    }
}

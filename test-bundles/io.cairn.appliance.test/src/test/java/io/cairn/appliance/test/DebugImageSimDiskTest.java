package io.cairn.appliance.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.hal.api.BlockDevice;

/**
 * The debug image's bundles in a real Felix, with a node home holding a hal.sim disk
 * configuration file: Genesis' ConfigFiles feeds it to Configuration Admin, hal.sim makes the
 * {@link BlockDevice}, and Genesis' {@code hal.faults.*} calls inject faults into it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DebugImageSimDiskTest {

    private static final long DEADLINE_MS = 20_000;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws IOException {
        File dir = new File(System.getProperty("cairn.debug.bundles"));
        File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no debug image bundles in " + dir + "; build appliance-image first");
        }
        Arrays.sort(jars);
        Path home = Files.createTempDirectory("cairn-paxexam-debug-home");
        Files.createDirectories(home.resolve("etc/config"));
        Files.writeString(home.resolve("etc/config/io.cairn.hal.sim.disk~d0.json"), simDisk("t-d0", home.resolve("data/disks/d0.img")));
        List<Option> opts = new ArrayList<>();
        opts.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"));
        opts.add(frameworkProperty("cairn.home").value(home.toString()));
        opts.add(frameworkProperty("cairn.node.ip").value("127.0.1.198"));
        opts.add(frameworkProperty("cairn.version").value("test"));
        opts.add(frameworkProperty("gosh.args").value("--nointeractive"));
        for (File jar : jars) {
            opts.add(bundle(jar.toURI().toString()));
        }
        opts.add(junitBundles());
        return options(opts.toArray(new Option[0]));
    }

    static String simDisk(String id, Path file) {
        return "{\"hal.device.id\": \"" + id + "\", \"path\": \"" + file + "\", \"tier\": \"SSD\", \"size.bytes\": 1048576}\n";
    }

    private Path home() {
        return Path.of(context.getProperty("cairn.home"));
    }

    @Test
    public void givenSimDiskFileInHome_whenBooted_thenBlockDeviceExistsWithASparseFile() throws Exception {
        BlockDevice d = waitFor(() -> device("t-d0"), "BlockDevice t-d0");
        assertEquals(1_048_576L, d.capacityBytes());
        assertEquals(1_048_576L, Files.size(home().resolve("data/disks/d0.img")));
        assertEquals(Long.valueOf(1), d.health().attributes().get("smart_passed"));
    }

    @Test
    public void givenHalFaultsCalls_whenSmartFailInjectedAndCleared_thenHealthFollows() throws Exception {
        BlockDevice d = waitFor(() -> device("t-d0"), "BlockDevice t-d0");
        String reply = call("hal.faults.inject", "{\"device\":\"t-d0\",\"fault\":\"smart_fail\"}");
        assertTrue(reply, reply.contains("smart_fail"));
        assertEquals(Long.valueOf(0), d.health().attributes().get("smart_passed"));
        String list = call("hal.faults.list", "{}");
        assertTrue(list, list.contains("t-d0") && list.contains("smart_fail"));
        call("hal.faults.clear", "{\"device\":\"t-d0\"}");
        assertEquals(Long.valueOf(1), d.health().attributes().get("smart_passed"));
    }

    @Test
    public void givenConfigFileAddedAndRemovedAtRunTime_thenDeviceComesAndGoes() throws Exception {
        Path file = home().resolve("etc/config/io.cairn.hal.sim.disk~d1.json");
        Files.writeString(file, simDisk("t-d1", home().resolve("data/disks/d1.img")));
        waitFor(() -> device("t-d1"), "BlockDevice t-d1 after its file was added");
        Files.delete(file);
        waitFor(() -> device("t-d1") == null ? Boolean.TRUE : null, "BlockDevice t-d1 gone after its file was removed");
    }

    private String call(String method, String body) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences(RpcHandler.class.getName(), "(" + RpcHandler.METHOD + "=" + method + ")");
        assertTrue("a handler of " + method, refs != null && refs.length == 1);
        RpcHandler h = (RpcHandler) context.getService(refs[0]);
        try {
            byte[] r = h.handle(new RpcCall(method, body.getBytes(StandardCharsets.UTF_8), "admin", "test", Instant.now().plusSeconds(10)));
            return new String(r, StandardCharsets.UTF_8);
        } finally {
            context.ungetService(refs[0]);
        }
    }

    private BlockDevice device(String id) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences(BlockDevice.class.getName(), "(" + BlockDevice.DEVICE_ID + "=" + id + ")");
            return refs == null ? null : (BlockDevice) context.getService(refs[0]);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static <T> T waitFor(Supplier<T> probe, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + DEADLINE_MS + " ms waiting for " + what);
    }
}

package io.cairn.hal.ovs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Open vSwitch (ovsdb-server + ovs-vswitchd) in one run directory: its database, unix
 * sockets, pid files and logs, never touching a system-wide OVS. The userspace (netdev) datapath
 * needs no kernel module.
 */
final class OvsDaemons implements AutoCloseable {

    static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");

    private final Path dir;

    private OvsDaemons(Path dir) {
        this.dir = dir;
    }

    Path dbSocket() {
        return dir.resolve("db.sock");
    }

    Path runDir() {
        return dir;
    }

    static OvsDaemons start(Path dir) throws IOException {
        if (!Files.exists(SCHEMA)) {
            throw new IOException("Open vSwitch is not installed (no " + SCHEMA + "); run bin/setup hal");
        }
        Files.createDirectories(dir);
        OvsDaemons d = new OvsDaemons(dir);
        try {
            if (!Files.exists(dir.resolve("conf.db"))) {
                d.run("ovsdb-tool", "create", dir.resolve("conf.db").toString(), SCHEMA.toString());
            }
            d.run("ovsdb-server", dir.resolve("conf.db").toString(), "--remote=punix:" + d.dbSocket(),
                    "--pidfile=" + dir.resolve("ovsdb-server.pid"), "--unixctl=" + dir.resolve("ovsdb-server.ctl"), "--detach",
                    "--log-file=" + dir.resolve("ovsdb-server.log"));
            d.run("ovs-vsctl", "--db=unix:" + d.dbSocket(), "--no-wait", "init");
            d.run("ovs-vswitchd", "unix:" + d.dbSocket(), "--pidfile=" + dir.resolve("ovs-vswitchd.pid"),
                    "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"), "--detach", "--log-file=" + dir.resolve("ovs-vswitchd.log"));
            return d;
        } catch (IOException e) {
            d.close();
            throw e;
        }
    }

    private void run(String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Map.of("OVS_RUNDIR", dir.toString(), "OVS_DBDIR", dir.toString(), "OVS_LOGDIR", dir.toString()));
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(cmd[0] + " failed in " + dir + ": " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted starting " + cmd[0]);
        }
    }

    /** Stops both daemons (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() throws IOException {
        List<ProcessHandle> procs = new ArrayList<>();
        for (String name : List.of("ovs-vswitchd", "ovsdb-server")) {
            Path pid = dir.resolve(name + ".pid");
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(procs::add);
            }
        }
        procs.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : procs) {
            try {
                h.onExit().get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }
}

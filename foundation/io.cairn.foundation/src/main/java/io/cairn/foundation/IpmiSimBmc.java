package io.cairn.foundation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.sim.internal.bmc.IpmiSimConfig;

/**
 * A simulated node's BMC that speaks real IPMI: OpenIPMI's {@code ipmi_sim} daemon configured in the
 * node's {@code bmc/} folder. {@code lan.conf} has one LAN channel on 127.0.0.1 and a UDP port of its
 * own and one administrator, {@code cairn}, whose random password is in {@code bmc/password} (mode
 * 0600); {@code sim.emu} is a BMC with no sensors; {@code chassis.sh} is ipmi_sim's chassis control.
 * Its power on runs {@code cairn node start --home H --no-install} in the background (a node takes
 * tens of seconds to start; ipmi_sim must keep answering meanwhile) and its power off
 * {@code cairn node stop --home H}, also in the background; "power" reads on while the start or the
 * stop runs or the controller ({@code run/node.pid}) lives, so a power off is complete when it reads off. The
 * daemon's pid is in {@code bmc/ipmi_sim.pid}; stopping it leaves the node's power as it is.
 */
public final class IpmiSimBmc {

    static final String USER = "cairn";
    static final String IPMI_SIM = IpmiSimConfig.IPMI_SIM;

    private IpmiSimBmc() {
    }

    /** Writes the BMC's configuration into {@code home/bmc}; returns the manifest's {@code bmc} entry. */
    static Map<String, Object> configure(Path home, Path cairn) {
        String h = home.toString();
        if (!h.matches("[A-Za-z0-9/._+-]+")) {
            throw new FoundationException(home + ": an IPMI-simulated node's home must have a plain path"
                    + " (letters, digits, / . _ + -): ipmi_sim splits its chassis_control command at spaces");
        }
        Path bmc = home.resolve("bmc");
        int port;
        try {
            port = IpmiSimConfig.freeUdpPort();
        } catch (java.io.UncheckedIOException e) {
            throw new FoundationException(e.getMessage(), e);
        }
        String password = IpmiSimConfig.password();
        try {
            Files.createDirectories(bmc);
            Files.createDirectories(home.resolve("logs"));
            Path pwFile = bmc.resolve("password");
            Files.deleteIfExists(pwFile);
            Files.createFile(pwFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(pwFile, password + "\n", StandardCharsets.UTF_8);
            Path script = bmc.resolve("chassis.sh");
            Files.writeString(script, chassisScript(cairn), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Path lan = bmc.resolve("lan.conf");
            Files.deleteIfExists(lan);
            Files.createFile(lan, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(lan, IpmiSimConfig.lanConf("cairn-bmc", port, IpmiSimConfig.guid(), script, home, USER, password),
                    StandardCharsets.UTF_8);
            Files.writeString(bmc.resolve("sim.emu"), """
                    mc_setbmc 0x20
                    mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
                    mc_enable 0x20
                    """, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FoundationException("cannot write the BMC configuration into " + bmc + ": " + e.getMessage(), e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ipmi");
        m.put("host", "127.0.0.1");
        m.put("port", port);
        m.put("user", USER);
        m.put("password_file", "bmc/password");
        return m;
    }

    /** Whether {@code home} has a simulated IPMI BMC (a {@code bmc/lan.conf}). */
    static boolean isSimulated(Path home) {
        return Files.isRegularFile(home.resolve("bmc/lan.conf"));
    }

    /** The daemon's pid, if it runs. */
    static Optional<Long> pid(Path home) {
        try {
            Path f = home.resolve("bmc/ipmi_sim.pid");
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).strip());
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.ISO_8859_1);
            return cmdline.contains("ipmi_sim") && cmdline.contains(home.resolve("bmc/lan.conf").toString())
                    ? Optional.of(pid) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Starts the node's ipmi_sim unless it runs, and waits until it answers an authenticated IPMI
     * request; returns whether it had to be started.
     */
    static boolean start(Path home, Clock clock) {
        if (pid(home).isPresent()) {
            return false;
        }
        if (!Files.isExecutable(Path.of(IPMI_SIM))) {
            throw new FoundationException(IPMI_SIM + " is not installed: run bin/setup hal (Debian package openipmi)");
        }
        Path bmc = home.resolve("bmc");
        JsonNode b = Json.read(home.resolve(NodeHome.MANIFEST)).path("bmc");
        Process p;
        try {
            Files.createDirectories(bmc.resolve("state"));
            // setsid: the daemon outlives this tool and is not in its terminal's process group
            List<String> command = new java.util.ArrayList<>(List.of("setsid"));
            command.addAll(IpmiSimConfig.command(bmc));
            p = io.cairn.hal.sim.internal.bmc.Daemons.start(command, bmc, bmc.resolve("ipmi_sim.log"));
            Files.writeString(bmc.resolve("ipmi_sim.pid"), p.pid() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FoundationException("cannot start ipmi_sim for " + home + ": " + e.getMessage(), e);
        }
        NodeHome.BmcAccess access = Ipmi.access(clock);
        String last = "";
        long deadline = clock.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (clock.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new FoundationException("ipmi_sim for " + home + " exited with status " + p.exitValue() + "; see "
                        + bmc.resolve("ipmi_sim.log"));
            }
            try {
                access.connect(b.path("host").asText(), b.path("port").asInt(), b.path("user").asText(),
                        home.resolve(b.path("password_file").asText())).powerState();
                return true;
            } catch (BmcException | FoundationException e) {
                last = e.getMessage();
            }
            try {
                clock.sleep(Duration.ofMillis(200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new FoundationException("ipmi_sim for " + home + " does not answer on port " + b.path("port").asInt() + ": " + last);
    }

    /** Stops the node's ipmi_sim if it runs (the node's power stays as it is); returns whether it ran. */
    static boolean stop(Path home) {
        Optional<ProcessHandle> ph = pid(home).flatMap(ProcessHandle::of);
        if (ph.isEmpty()) {
            return false;
        }
        ph.get().destroy();
        try {
            ph.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            ph.get().destroyForcibly();
        }
        try {
            Files.deleteIfExists(home.resolve("bmc/ipmi_sim.pid"));
        } catch (IOException e) {
            // the pid check ignores a stale file
        }
        return true;
    }

    /** {@code foundation bare start|stop --dir DIR}. */
    static int run(String verb, Map<String, String> options, java.io.PrintStream out) {
        if (options.get("--dir") == null) {
            throw new Main.Usage("bare " + verb + " needs --dir DIR");
        }
        List<Path> homes = homes(Path.of(options.get("--dir")));
        if (homes.isEmpty()) {
            throw new FoundationException("no node under " + options.get("--dir") + " has an ipmi_sim BMC (make them with"
                    + " foundation bare create --dir DIR --count N --bmc ipmi)");
        }
        for (Path h : homes) {
            if (verb.equals("start")) {
                out.println(h + ":" + startOne(h));
            } else {
                out.println(h + ": ipmi_sim " + (stop(h) ? "stopped" : "was not running"));
            }
        }
        return 0;
    }

    /** Starts the node's ipmi_sim if it has one; says what happened. */
    static String startOne(Path home) {
        if (!isSimulated(home)) {
            return "";
        }
        JsonNode b = Json.read(home.resolve(NodeHome.MANIFEST)).path("bmc");
        boolean started;
        try (io.cairn.common.clock.ThreadClock clock = new io.cairn.common.clock.ThreadClock("foundation-bmc", 1)) {
            started = start(home, clock);
        }
        return " ipmi_sim " + (started ? "started" : "already running") + " on 127.0.0.1:" + b.path("port").asInt()
                + " (pid " + pid(home).map(String::valueOf).orElse("?") + ")";
    }

    /** The homes under {@code dir} (one level) that have a simulated IPMI BMC. */
    static List<Path> homes(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new FoundationException(dir + " is not a directory");
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.toAbsolutePath().normalize())
                    .filter(p -> Files.isRegularFile(p.resolve(NodeHome.MANIFEST)) && isSimulated(p)).sorted().toList();
        } catch (IOException e) {
            throw new FoundationException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * ipmi_sim's chassis control ({@code chassis.sh HOME get|set parm [value]...}, see
     * ipmi_sim_chassiscontrol(5)); power requests run in the background ({@code do-on}, {@code do-off}).
     */
    private static String chassisScript(Path cairn) {
        String background = " >> logs/bmc.log 2>&1 < /dev/null &";
        return IpmiSimConfig.chassisScript(new IpmiSimConfig.Chassis(
                "# ipmi_sim chassis control of a simulated Cairn node (generated by foundation bare create --bmc ipmi).\n"
                        + "# Power is the node's controller (run/node.pid) or a power on or off in progress (bmc/starting.pid, bmc/stopping.pid).",
                """
                cairn=%s
                home=$1; shift; op=$1; shift
                cd "$home" || exit 1
                echo "$(date -u +%%FT%%T) $op $*" >> bmc/calls.log""".formatted(IpmiSimConfig.shellQuote(cairn.toString())),
                """
                # a power off is complete when cairn node stop has returned (the controller has exited)
                powered() { running run/node.pid || running bmc/starting.pid || running bmc/stopping.pid; }""",
                "powered",
                """
                if [ "$v" = 1 ]; then
                  if running bmc/starting.pid; then :
                  elif running bmc/stopping.pid || ! running run/node.pid; then
                    setsid "$0" "$home" do-on%s
                  fi
                else
                  running bmc/stopping.pid || setsid "$0" "$home" do-off%s
                fi""".formatted(background, background),
                "if powered; then setsid \"$0\" \"$home\" do-reset" + background + " fi",
                "running bmc/stopping.pid || setsid \"$0\" \"$home\" do-off" + background,
                "bmc/boot",
                """
                do-on)
                  echo $$ > bmc/starting.pid
                  i=0; while running bmc/stopping.pid && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
                  "$cairn" node start --home "$home" --no-install
                  rm -f bmc/starting.pid ;;
                do-off)
                  echo $$ > bmc/stopping.pid
                  if running bmc/starting.pid; then kill -TERM -- "-$(tr -dc 0-9 < bmc/starting.pid)" 2>/dev/null; rm -f bmc/starting.pid; fi
                  "$cairn" node stop --home "$home"
                  rm -f bmc/stopping.pid ;;
                do-reset)
                  "$0" "$home" do-off; "$0" "$home" do-on ;;"""));
    }
}

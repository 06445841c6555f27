package io.cairn.hal.ipmi.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.cairn.hal.sim.internal.bmc.IpmiSimConfig;

/**
 * OpenIPMI's {@code ipmi_sim} on loopback, configured by this class in a directory of its own: a LAN
 * channel on a free UDP port with one administrator (random password), sensors with SDRs, a FRU, and
 * chassis control by a generated script ({@code chassis_control}) whose power on starts a real
 * "server" process (any shell command that writes its pid to {@code node.pid}) and whose power off
 * stops it, so IPMI drives a simulated server. The script also keeps the boot device.
 */
final class IpmiSim implements AutoCloseable {

    static final String USER = "cairn";

    final Path dir;
    final int port;
    final String password;
    final Path serverPid;
    private final Process process;

    private IpmiSim(Path dir, int port, String password, Process process) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.serverPid = dir.resolve("node.pid");
        this.process = process;
    }

    /** Starts the simulator; {@code serverCommand} runs at power on (in {@code dir}) and must write its pid to node.pid. */
    static IpmiSim start(Path dir, String serverCommand) throws Exception {
        for (String tool : List.of("/usr/bin/ipmi_sim", "/usr/bin/ipmitool")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new AssertionError(tool + " is not installed: run bin/setup hal (Debian packages openipmi, ipmitool)");
            }
        }
        Files.createDirectories(dir);
        int port = IpmiSimConfig.freeUdpPort();
        String password = IpmiSimConfig.password();
        Path script = dir.resolve("chassis.sh");
        Files.writeString(script, chassisScript(serverCommand));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("lan.conf"), IpmiSimConfig.lanConf("cairnsim", port, "a123456789abcdefa123456789abcdef", script, dir,
                USER, password));
        Files.writeString(dir.resolve("sim.emu"), emulation());
        Process p = new ProcessBuilder(IpmiSimConfig.command(dir))
                .redirectErrorStream(true).redirectOutput(dir.resolve("sim.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        IpmiSim sim = new IpmiSim(dir, port, password, p);
        try {
            for (int i = 0; i < 50 && !sim.ipmitool("-N", "1", "-R", "1", "chassis", "power", "status").contains("Chassis Power"); i++) {
                if (!p.isAlive()) {
                    throw new AssertionError("ipmi_sim exited with " + p.exitValue() + ": " + Files.readString(dir.resolve("sim.log")));
                }
                Thread.sleep(100);
            }
            return sim;
        } catch (Exception | AssertionError e) {
            sim.close();
            throw e;
        }
    }

    /** The chassis_control program: power is the server process in node.pid (IpmiSimConfig's script skeleton). */
    private static String chassisScript(String serverCommand) {
        return IpmiSimConfig.chassisScript(new IpmiSimConfig.Chassis(
                "# ipmi_sim chassis control for a simulated server: power = the server process in node.pid.",
                """
                dir=$1; shift; op=$1; shift
                cd "$dir" || exit 1
                echo "$op $*" >> calls.log""",
                """
                alive() { running node.pid; }
                on() {
                  alive && return 0
                  rm -f node.pid
                  setsid sh -c %s >>server.log 2>&1 </dev/null &
                  i=0; while [ $i -lt 100 ] && ! alive; do sleep 0.05; i=$((i+1)); done
                }
                off() {
                  alive || { rm -f node.pid; return 0; }
                  kill -TERM "$(cat node.pid)"
                  i=0; while [ $i -lt 100 ] && alive; do sleep 0.05; i=$((i+1)); done
                  alive && kill -KILL "$(cat node.pid)"
                  rm -f node.pid
                }""".formatted(IpmiSimConfig.shellQuote(serverCommand)),
                "alive",
                "if [ \"$v\" = 1 ]; then on; else off; fi",
                "if alive; then off; on; fi",
                "alive && kill -TERM \"$(cat node.pid)\"",
                "boot",
                ""));
    }

    /** The BMC's sensors (each with an SDR) and FRU device 0, as ipmi_sim emulator commands. */
    private static String emulation() {
        List<String> lines = new ArrayList<>(List.of("mc_setbmc 0x20",
                "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02"));
        sensor(lines, 1, fullSdr(1, 0x01, 1, 1, 0, 0, "CPU Temp"), "0x2d");
        sensor(lines, 2, fullSdr(2, 0x04, 18, 50, 0, 0, "Fan 1"), "0x40");
        sensor(lines, 3, fullSdr(3, 0x02, 4, 6, 0, -2, "12V"), "0xc8");
        sensor(lines, 5, fullSdr(5, 0x01, 1, 1, 0, 0, "Inlet Temp"), "0x75"); // above upper non-critical (0x70)
        lines.add("sensor_add 0x20 0 4 0x08 0x6f");
        lines.add(sdrLine(compactSdr(4, 0x08, 0x6f, "PSU 1")));
        lines.add("sensor_set_bit_clr_rest 0x20 0 4 0 1 0");
        lines.add("sensor_set_event_support 0x20 0 4 enable scanning per-state"
                + " 000000000000011 000000000000011 000000000000011 000000000000011");
        byte[] fru = fru();
        StringBuilder data = new StringBuilder();
        for (byte b : fru) {
            data.append(String.format(" 0x%02x", b & 0xFF));
        }
        lines.add("mc_add_fru_data 0x20 0 " + fru.length + " data" + data);
        lines.add("mc_enable 0x20");
        return String.join("\n", lines) + "\n";
    }

    private static void sensor(List<String> lines, int number, byte[] sdr, String raw) {
        lines.add("sensor_add 0x20 0 " + number + " 0x" + Integer.toHexString(sdr[12] & 0xFF) + " 0x01");
        lines.add(sdrLine(sdr));
        lines.add("sensor_set_threshold 0x20 0 " + number + " settable 111000 0xa0 0x90 0x70 00 00 00");
        lines.add("sensor_set_event_support 0x20 0 " + number + " enable scanning per-state"
                + " 000111111000000 000111111000000 000111111000000 000111111000000");
        lines.add("sensor_set_value 0x20 0 " + number + " " + raw + " 0");
    }

    private static String sdrLine(byte[] sdr) {
        StringBuilder s = new StringBuilder("main_sdr_add 0x20");
        for (byte b : sdr) {
            s.append(String.format(" 0x%02x", b & 0xFF));
        }
        return s.toString();
    }

    /** A full sensor record (IPMI 2.0 table 43-1) of a threshold sensor owned by the BMC. */
    static byte[] fullSdr(int number, int sensorType, int baseUnit, int m, int b, int rExp, String name) {
        byte[] id = name.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.writeBytes(new byte[] {0, 0, 0x51, 0x01, (byte) (43 + id.length)});
        r.writeBytes(new byte[] {0x20, 0, (byte) number, 0x07, 1, 0x7f, 0x68, (byte) sensorType, 0x01});
        r.writeBytes(new byte[] {0, 0, 0, 0, 0x3f, 0x3f}); // event masks; all thresholds readable
        r.writeBytes(new byte[] {0x00, (byte) baseUnit, 0, 0x00}); // unsigned, unit, no modifier, linear
        r.writeBytes(new byte[] {(byte) m, (byte) ((m >> 2) & 0xC0), (byte) b, (byte) ((b >> 2) & 0xC0), 0,
            (byte) ((rExp & 0x0F) << 4)});
        r.writeBytes(new byte[] {0x07, 0, (byte) 0xff, 0, (byte) 0xff, 0, (byte) 0xa0, (byte) 0x90, 0x70, 0, 0, 0, 0, 0, 0,
            0, 0});
        r.write(0xC0 | id.length);
        r.writeBytes(id);
        return r.toByteArray();
    }

    /** A compact sensor record (IPMI 2.0 table 43-2) of a discrete sensor owned by the BMC. */
    static byte[] compactSdr(int number, int sensorType, int readingType, String name) {
        byte[] id = name.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.writeBytes(new byte[] {0, 0, 0x51, 0x02, (byte) (27 + id.length)});
        r.writeBytes(new byte[] {0x20, 0, (byte) number, 0x0a, 1, 0x7f, 0x68, (byte) sensorType, (byte) readingType});
        r.writeBytes(new byte[17]);
        r.write(0xC0 | id.length);
        r.writeBytes(id);
        return r.toByteArray();
    }

    /** FRU data with a board and a product info area, 8-bit ASCII fields. */
    static byte[] fru() {
        byte[] board = area(new byte[] {1, 0, 25, 0, 0, 0}, "Cairn Labs", "CN-MB1", "BRD-0042", "MB-PN-7", "FRU1");
        byte[] product = area(new byte[] {1, 0, 25}, "Cairn Labs", "Cairn Node", "PN-100", "v1", "SN-12345", "tag-9", "fru");
        byte[] header = {1, 0, 0, 1, (byte) (1 + board.length / 8), 0, 0, 0};
        header[7] = (byte) -sum(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(board);
        out.writeBytes(product);
        return out.toByteArray();
    }

    private static byte[] area(byte[] head, String... fields) {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        a.writeBytes(head);
        for (String f : fields) {
            byte[] b = f.getBytes(StandardCharsets.ISO_8859_1);
            a.write(0xC0 | b.length);
            a.writeBytes(b);
        }
        a.write(0xC1);
        while ((a.size() + 1) % 8 != 0) {
            a.write(0);
        }
        byte[] bytes = a.toByteArray();
        bytes[1] = (byte) ((bytes.length + 1) / 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes);
        out.write(-sum(bytes));
        return out.toByteArray();
    }

    private static int sum(byte[] b) {
        int s = 0;
        for (byte x : b) {
            s += x & 0xFF;
        }
        return s;
    }

    /** {@code ipmitool -I lanplus -C 3} against this simulator; stdout and stderr. */
    String ipmitool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ipmitool", "-I", "lanplus", "-C", "3", "-H", "127.0.0.1", "-p",
                Integer.toString(port), "-U", USER, "-P", password));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The simulated server's process, if it runs (zombies count as stopped). */
    Optional<ProcessHandle> server() {
        try {
            String text = Files.readString(serverPid).strip();
            return text.isEmpty() || !running(Long.parseLong(text)) ? Optional.empty() : ProcessHandle.of(Long.parseLong(text));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code pid} runs. A zombie does not: the server is reparented away from ipmi_sim and the
     * container's init may never reap it, and {@link ProcessHandle#isAlive()} counts zombies as alive.
     */
    static boolean running(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    String calls() throws IOException {
        Path calls = dir.resolve("calls.log");
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    @Override
    public void close() throws Exception {
        try {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        } finally {
            server().ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
